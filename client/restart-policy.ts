// When the language server dies: restart it, unless it keeps dying (then stop and tell the user how to retry).
export class CrashBudget {
  private crashes: number[] = [];

  constructor(
    readonly max = 5,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  // Records one crash; true when another restart is still within budget.
  recordCrash(): { restart: boolean; recent: number } {
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
    this.crashes.push(t);
    return { restart: this.crashes.length <= this.max, recent: this.crashes.length };
  }

  reset(): void {
    this.crashes = [];
  }
}
