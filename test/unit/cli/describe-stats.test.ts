import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describeStats } from '../../../src/cli/describe-stats';
import { findBinary } from '../../helpers/processes';

// nutcracker 0.5.0's --describe-stats text after the version block (spec §4.6).
const NUTCRACKER_TEXT = `pool stats:
  client_eof          "# eof on client connections"
  client_err          "# errors on client connections"
  client_connections  "# active client connections"
  server_ejects       "# times backend server was ejected"
  forward_error       "# times we encountered a forwarding error"
  fragments           "# fragments created from a multi-vector request"

server stats:
  server_eof          "# eof on server connections"
  server_err          "# errors on server connections"
  server_timedout     "# timeouts on server connections"
  server_connections  "# active server connections"
  server_ejected_at   "timestamp when server was ejected in usec since epoch"
  requests            "# requests"
  request_bytes       "total request bytes"
  responses           "# responses"
  response_bytes      "total response bytes"
  in_queue            "# requests in incoming queue"
  in_queue_bytes      "current request bytes in incoming queue"
  out_queue           "# requests in outgoing queue"
  out_queue_bytes     "current request bytes in outgoing queue"
`;

test('-D text is nutcracker\'s, byte for byte', () => {
  assert.equal(describeStats(), NUTCRACKER_TEXT);
});

const nutcracker = findBinary('nutcracker');

test('-D text equals what the nutcracker binary prints after its version block', { skip: nutcracker === null && 'nutcracker not installed' }, () => {
  const out = spawnSync(nutcracker as string, ['-D'], { encoding: 'latin1' }).stderr;
  assert.equal(describeStats(), out.slice(out.indexOf('\n\n') + 2));
});
