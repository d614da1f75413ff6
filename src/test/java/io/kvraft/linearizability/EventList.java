package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The call and return events of one key's ops, in time order, as a doubly-linked list. The WGL
 * search removes an op (both its events) when it linearizes it and puts it back when it backtracks;
 * because that happens in strict LIFO order, a removed node still knows its neighbours and can be
 * relinked in O(1) ("dancing links").
 */
final class EventList {
  static final class Event {
    final int opIndex;
    final boolean isCall;
    final long time;

    /** For a call: its return event. */
    Event matchingReturn;

    Event prev;
    Event next;

    private Event(int opIndex, boolean isCall, long time) {
      this.opIndex = opIndex;
      this.isCall = isCall;
      this.time = time;
    }
  }

  /** Sentinel; {@code head.next == null} means every op has been linearized. */
  final Event head = new Event(-1, false, Long.MIN_VALUE);

  EventList(List<Operation> ops) {
    List<Event> events = new ArrayList<>(2 * ops.size());
    for (int i = 0; i < ops.size(); i++) {
      Event call = new Event(i, true, ops.get(i).callNanos());
      Event ret = new Event(i, false, ops.get(i).returnNanos());
      call.matchingReturn = ret;
      events.add(call);
      events.add(ret);
    }
    // At equal timestamps calls go before returns: the two ops are then treated as concurrent,
    // which can only make the checker more permissive, never report a false violation from clock
    // granularity.
    events.sort(Comparator.<Event>comparingLong(e -> e.time).thenComparing(e -> !e.isCall));
    Event last = head;
    for (Event e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }
  }

  boolean isEmpty() {
    return head.next == null;
  }

  /** Removes a call event and its return event. */
  static void lift(Event call) {
    unlink(call);
    unlink(call.matchingReturn);
  }

  /** Undoes the most recent {@link #lift} still in effect. */
  static void unlift(Event call) {
    relink(call.matchingReturn);
    relink(call);
  }

  private static void unlink(Event e) {
    e.prev.next = e.next;
    if (e.next != null) {
      e.next.prev = e.prev;
    }
  }

  private static void relink(Event e) {
    e.prev.next = e;
    if (e.next != null) {
      e.next.prev = e;
    }
  }
}
