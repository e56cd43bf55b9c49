// Original file: ptykeep/pty/v1/pty.proto


export interface SpawnRequest {
  /**
   * Optional caller-chosen UUID for idempotent retries; empty means the service picks a
   * UUIDv7. Spawning an id that already exists returns that session if the command matches.
   */
  'sessionId'?: (string);
  /**
   * Program to run: an absolute path, or a name looked up in PATH.
   */
  'command'?: (string);
  'args'?: (string)[];
  /**
   * Extra environment for the program, on top of the service's base environment. Values are
   * never stored or logged.
   */
  'env'?: ({[key: string]: string});
  /**
   * Working directory; empty means the service's default.
   */
  'cwd'?: (string);
  /**
   * Terminal size; 0 means the default (24 x 80).
   */
  'rows'?: (number);
  'cols'?: (number);
  'labels'?: ({[key: string]: string});
}

export interface SpawnRequest__Output {
  /**
   * Optional caller-chosen UUID for idempotent retries; empty means the service picks a
   * UUIDv7. Spawning an id that already exists returns that session if the command matches.
   */
  'sessionId': (string);
  /**
   * Program to run: an absolute path, or a name looked up in PATH.
   */
  'command': (string);
  'args': (string)[];
  /**
   * Extra environment for the program, on top of the service's base environment. Values are
   * never stored or logged.
   */
  'env': ({[key: string]: string});
  /**
   * Working directory; empty means the service's default.
   */
  'cwd': (string);
  /**
   * Terminal size; 0 means the default (24 x 80).
   */
  'rows': (number);
  'cols': (number);
  'labels': ({[key: string]: string});
}
