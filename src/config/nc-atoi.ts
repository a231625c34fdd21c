// nutcracker's number rule for configuration values (nc_atoi, spec §2.2): ASCII digits only, no
// sign, no spaces, not empty; accumulated in a C `int` that wraps on overflow, and a negative
// result means "not a number". So 2147483648 is rejected but 4294967296 wraps to 0 and is accepted:
// odd, but nutcracker 0.5.0 does exactly that and we must agree with it on what is valid.

/** The value as nutcracker's nc_atoi computes it, or -1 when it is not a number. */
export function ncAtoi(text: string): number {
  if (text.length === 0) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = (Math.imul(value, 10) + digit) | 0;
  }
  return value < 0 ? -1 : value;
}
