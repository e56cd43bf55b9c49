// Original file: ptykeep/store/v1/store.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A terminal's state at a seq boundary, as bytes that reproduce it.
 */
export interface ScreenSnapshot {
  /**
   * The terminal right after output chunk at_seq and the resizes that followed it.
   */
  'atSeq'?: (number | string | Long);
  /**
   * Byte offset right after chunk at_seq (where the next chunk's bytes start).
   */
  'offset'?: (number | string | Long);
  /**
   * Size of the terminal the snapshot is for: write `data` into a fresh terminal this size.
   */
  'rows'?: (number);
  'cols'?: (number);
  /**
   * Escape sequences and text (UTF-8) that, written into a fresh terminal of rows x cols,
   * reproduce its scrollback (bounded), visible cells, cursor, active buffer and modes. This is
   * produced by the store's terminal emulator, not output the program wrote.
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * When chunk at_seq was read from the terminal.
   */
  'ts'?: (_google_protobuf_Timestamp | null);
  /**
   * Lines of scrollback the snapshot carries.
   */
  'scrollbackLines'?: (number);
}

/**
 * A terminal's state at a seq boundary, as bytes that reproduce it.
 */
export interface ScreenSnapshot__Output {
  /**
   * The terminal right after output chunk at_seq and the resizes that followed it.
   */
  'atSeq': (number);
  /**
   * Byte offset right after chunk at_seq (where the next chunk's bytes start).
   */
  'offset': (number);
  /**
   * Size of the terminal the snapshot is for: write `data` into a fresh terminal this size.
   */
  'rows': (number);
  'cols': (number);
  /**
   * Escape sequences and text (UTF-8) that, written into a fresh terminal of rows x cols,
   * reproduce its scrollback (bounded), visible cells, cursor, active buffer and modes. This is
   * produced by the store's terminal emulator, not output the program wrote.
   */
  'data': (Buffer);
  /**
   * When chunk at_seq was read from the terminal.
   */
  'ts': (_google_protobuf_Timestamp__Output | null);
  /**
   * Lines of scrollback the snapshot carries.
   */
  'scrollbackLines': (number);
}
