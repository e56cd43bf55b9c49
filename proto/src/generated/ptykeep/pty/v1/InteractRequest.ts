// Original file: ptykeep/pty/v1/pty.proto

import type { InteractOpen as _ptykeep_pty_v1_InteractOpen, InteractOpen__Output as _ptykeep_pty_v1_InteractOpen__Output } from '../../../ptykeep/pty/v1/InteractOpen.js';
import type { TerminalSize as _ptykeep_pty_v1_TerminalSize, TerminalSize__Output as _ptykeep_pty_v1_TerminalSize__Output } from '../../../ptykeep/pty/v1/TerminalSize.js';
import type { Long } from '@grpc/proto-loader';

export interface InteractRequest {
  /**
   * Must be the first message, and only the first.
   */
  'open'?: (_ptykeep_pty_v1_InteractOpen | null);
  /**
   * Keystrokes / pasted bytes, typed into the terminal in order.
   */
  'input'?: (Buffer | Uint8Array | string);
  /**
   * Terminal size change, applied and recorded like Resize.
   */
  'resize'?: (_ptykeep_pty_v1_TerminalSize | null);
  /**
   * Flow control: the viewer has consumed output up to and including this seq.
   */
  'ackSeq'?: (number | string | Long);
  'event'?: "open"|"input"|"resize"|"ackSeq";
}

export interface InteractRequest__Output {
  /**
   * Must be the first message, and only the first.
   */
  'open'?: (_ptykeep_pty_v1_InteractOpen__Output | null);
  /**
   * Keystrokes / pasted bytes, typed into the terminal in order.
   */
  'input'?: (Buffer);
  /**
   * Terminal size change, applied and recorded like Resize.
   */
  'resize'?: (_ptykeep_pty_v1_TerminalSize__Output | null);
  /**
   * Flow control: the viewer has consumed output up to and including this seq.
   */
  'ackSeq'?: (number);
  'event'?: "open"|"input"|"resize"|"ackSeq";
}
