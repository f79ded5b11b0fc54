// Python's rounding where MMYOLO/MMEngine compute with round(): halves go to the even
// neighbour (round(2.5) == 2), unlike Math.round.
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
