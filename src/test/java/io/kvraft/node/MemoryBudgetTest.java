package io.kvraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  @Test
  void refusesWhatWouldPassTheBoundAndTakesItOnceGivenBack() {
    MemoryBudget budget = new MemoryBudget(1000);
    assertThat(budget.tryReserve(600)).isTrue();
    assertThat(budget.tryReserve(300)).isTrue();
    assertThat(budget.tryReserve(200)).as("900 + 200 > 1000").isFalse();
    assertThat(budget.tryReserve(100)).as("exactly at the bound").isTrue();
    assertThat(budget.reservedBytes()).isEqualTo(1000);
    budget.release(600);
    assertThat(budget.tryReserve(200)).isTrue();
    budget.release(300);
    budget.release(100);
    budget.release(200);
    assertThat(budget.reservedBytes()).isZero();
  }

  @Test
  void whatHoldersReportCountsAgainstReservations() {
    MemoryBudget budget = new MemoryBudget(1000);
    AtomicLong log = new AtomicLong(700);
    budget.count(log::get);
    assertThat(budget.tryReserve(100)).as("nothing reserved yet: let in").isTrue();
    assertThat(budget.tryReserve(300)).as("100 + 700 + 300 > 1000").isFalse();
    assertThat(budget.usedBytes()).isEqualTo(800);
    log.set(100);
    assertThat(budget.tryReserve(300)).isTrue();
    assertThat(budget.describe()).contains("budget is 0 KiB");
  }

  @Test
  void aLoneReservationLargerThanTheBudgetGoesThroughSoAnIdleMemberNeverRefusesEverything() {
    MemoryBudget budget = new MemoryBudget(1000);
    AtomicLong log = new AtomicLong(5000);
    budget.count(log::get);
    assertThat(budget.tryReserve(2000)).as("nothing else reserved").isTrue();
    assertThat(budget.tryReserve(1)).isFalse();
    assertThat(budget.tryReserve(1, false)).isFalse();
    assertThat(budget.tryReserve(1, true)).as("the caller has nothing else in flight").isTrue();
    budget.release(2001);
    assertThat(budget.tryReserve(10, false))
        .as("not idle, and the log alone is over the bound")
        .isFalse();
  }

  @Test
  void releasingMoreThanWasReservedIsABug() {
    MemoryBudget budget = new MemoryBudget(1000);
    budget.tryReserve(10);
    assertThatThrownBy(() -> budget.release(11)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new MemoryBudget(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDefaultIsAnEighthOfTheHeap() {
    assertThat(MemoryBudget.defaultBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 8);
  }
}
