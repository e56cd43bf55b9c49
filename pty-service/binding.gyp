{
  "targets": [
    {
      "target_name": "fd",
      "sources": ["native/fd.c"],
      "cflags": ["-Wall", "-Wextra"]
    }
  ]
}
