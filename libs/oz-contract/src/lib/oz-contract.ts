export function ozContract(): string {
  return 'oz-contract';
}
