package nomoat.pipeline.cost;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class CostArithmeticTest {
  static ComputeUsage usage(double core, double gpu, double wall, long trained) {
    return new ComputeUsage(core, gpu, core, 10, wall, 1, 0, trained * 2, trained, 100, -1, 1);
  }

  @Test
  void attemptsAddUpAndSurviveTheirFile() {
    ComputeUsage a = usage(3600, 0, 100, 1000), b = new ComputeUsage(1800, 0, 1800, 5, 50, 2, 10, 7, 3, 50, 900, 1);
    ComputeUsage sum = a.plus(b);
    assertEquals(5400, sum.executorCoreSeconds());
    assertEquals(150, sum.wallSeconds());
    assertEquals(1003, sum.tokensTrained());
    assertEquals(100, sum.peakExecutorHeapBytes(), "peaks: the larger");
    assertEquals(900, sum.peakExecutorRssBytes());
    assertEquals(2, sum.attempts());
    assertEquals(sum, ComputeUsage.fromJson(sum.toJson()));
    assertNull(ComputeUsage.fromJson("{\"executor_core_s\": 3".getBytes()), "a file cut short by a kill");
    assertNull(ComputeUsage.fromMap(usage(1, 0, 1, 1).toMap()).toMap().get("peak_executor_rss_bytes"), "unknown stays unknown");
  }

  @Test
  void pricesMakeABill() {
    Prices p = new Prices(0.05, 2.0, "EUR");
    Bill bill = p.bill(new ComputeUsage(7200, 1800, 0, 0, 0, 0, 3600, 0, 2_000_000, -1, -1, 1));
    assertEquals(3 * 0.05, bill.cpu(), 1e-12, "executor + driver core-hours");
    assertEquals(0.5 * 2.0, bill.gpu(), 1e-12);
    assertEquals(bill.total() / 2, bill.perMillionTrainedTokens(), 1e-12);
    assertNull(Prices.NONE.bill(usage(1, 0, 1, 1)), "no prices, no bill");
    assertNull(new Prices(0.05, null, "USD").bill(usage(10, 5, 1, 1)), "GPU time without a GPU price is not priced low");
    assertEquals("0.080 EUR", Prices.money(0.08, "EUR"));
    assertEquals("1,234 USD", Prices.money(1234.4, "USD"));
  }

  @Test
  void projectionMultipliesStepsNotSetup() {
    // 10 spent before the first step, then 2 per step for 5 steps: 95 steps to go -> 20 + 190
    assertEquals(210, Bill.project(20, 10, 5, 95), 1e-9);
    assertEquals(7, Bill.project(7, 7, 0, 10), "no step yet: nothing to project from");
    RunCost rc = new RunCost(new Prices(1.0, null, "USD"));
    String line = rc.progress(usage(3600 * 3, 0, 1, 1), usage(3600, 0, 1, 1), 2, 2);
    assertEquals(" | cost 3.00 USD, projected 5.00 USD", line);
    assertTrue(new RunCost(Prices.NONE).progress(usage(3600, 0, 1, 1), ComputeUsage.NONE, 1, 1).contains("projected 2.00 core-h"));
  }
}
