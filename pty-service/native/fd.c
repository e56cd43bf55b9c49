/*
 * fd.node: what Node's fs module cannot do to file descriptors it did not open itself.
 *
 * A program started in a PTY must get its terminal on 0, 1 and 2 and nothing else of the
 * pty-service's. Node and libuv open their fds close-on-exec, but node-pty opens each
 * terminal's master without it, and the service may have inherited open fds from whatever
 * started it. setCloexecFrom(3), called on the fork thread right before each fork
 * (worker/pty-fork.mjs), marks them all close-on-exec.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node_api.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags == -1) return -1;
  if (flags & FD_CLOEXEC) return 0;
  return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* Every open fd >= min_fd: one close_range() call on Linux >= 5.11, else a walk of /proc/self/fd. */
static int set_cloexec_from(int min_fd) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)min_fd, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return -1;
#endif
  DIR *dir = opendir("/proc/self/fd");
  if (dir == NULL) return -1;
  int own = dirfd(dir);
  struct dirent *entry;
  int result = 0;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int fd = atoi(entry->d_name);
    /* EBADF: closed since the directory was read. */
    if (fd >= min_fd && fd != own && set_cloexec(fd) == -1 && errno != EBADF) {
      result = -1;
      break;
    }
  }
  int saved = errno;
  closedir(dir);
  errno = saved;
  return result;
}

static napi_value throw_errno(napi_env env, const char *call) {
  int err = errno;
  char message[256];
  napi_value code, msg, error;
  snprintf(message, sizeof message, "%s: %s", call, strerror(err));
  snprintf(message + strlen(message), sizeof message - strlen(message), " (errno %d)", err);
  napi_create_string_utf8(env, err == EBADF ? "EBADF" : "ERR_FD_SYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
  return NULL;
}

static int fd_argument(napi_env env, napi_callback_info info, const char *usage, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], fd) != napi_ok || *fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return 0;
  }
  return 1;
}

static napi_value js_set_cloexec_from(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_argument(env, info, "setCloexecFrom(minFd): minFd must be a non-negative integer", &fd)) return NULL;
  if (set_cloexec_from(fd) == -1) return throw_errno(env, "marking fds close-on-exec");
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "setCloexecFrom", NAPI_AUTO_LENGTH, js_set_cloexec_from, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "setCloexecFrom", fn) != napi_ok) return NULL;
  return exports;
}
