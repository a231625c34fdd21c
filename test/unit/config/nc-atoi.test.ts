// nutcracker's nc_atoi: digits only, C int wrap-around, negative means "not a number".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ncAtoi } from '../../../src/config/nc-atoi';

test('digits give their value, leading zeros included', () => {
  assert.equal(ncAtoi('0'), 0);
  assert.equal(ncAtoi('007'), 7);
  assert.equal(ncAtoi('2147483647'), 2147483647);
});

test('anything but digits, or nothing, is not a number', () => {
  for (const bad of ['', '-1', '+1', ' 1', '1 ', '1.0', '1e3', 'x', '\u0661']) assert.equal(ncAtoi(bad), -1, JSON.stringify(bad));
});

test('values wrap like a 32-bit int; a negative result is not a number', () => {
  assert.equal(ncAtoi('2147483648'), -1);
  assert.equal(ncAtoi('4294967295'), -1);
  assert.equal(ncAtoi('4294967296'), 0);
  assert.equal(ncAtoi('4294989417'), 22121);
  assert.equal(ncAtoi('99999999999'), 1215752191);
});
