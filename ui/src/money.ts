// Decimal amounts as the API writes them ("12.50"), added exactly: BigInt minor units, never
// floats (a ledger's totals must be exact).

function split(amount: string): [bigint, number] {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const minor = BigInt(whole + fraction);
  return [negative ? -minor : minor, fraction.length];
}

export function sumAmounts(amounts: string[]): string {
  let digits = 0;
  for (const a of amounts) digits = Math.max(digits, split(a)[1]);
  let total = 0n;
  for (const a of amounts) {
    const [minor, d] = split(a);
    total += minor * 10n ** BigInt(digits - d);
  }
  const negative = total < 0n;
  const text = (negative ? -total : total).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const body = digits > 0 ? `${whole}.${text.slice(text.length - digits)}` : whole;
  return (negative ? '-' : '') + body;
}
