package io.kvraft.transport;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where each member is reached: id to base URL, this member included. It says nothing about who
 * votes (that is the Raft core's {@link io.kvraft.raft.Configuration}); it only has to know
 * everyone a message may be addressed to or come from. Read by the transport and the HTTP endpoints
 * on their own threads, so it is an immutable map swapped whole on a change.
 */
public final class AddressBook {
  private final String self;
  private volatile Map<String, String> urls;

  /**
   * @param urls id to base URL, in the order members are listed (kept for display)
   */
  public AddressBook(String self, Map<String, String> urls) {
    this.self = Objects.requireNonNull(self);
    this.urls = Collections.unmodifiableMap(new LinkedHashMap<>(urls));
  }

  public String self() {
    return self;
  }

  /** The base URL of {@code id}, or null when it is not in the book. */
  public String url(String id) {
    return urls.get(id);
  }

  public boolean contains(String id) {
    return urls.containsKey(id);
  }

  public Set<String> ids() {
    return urls.keySet();
  }

  /** Every member's URL, in listing order; a snapshot that later changes do not affect. */
  public Map<String, String> asMap() {
    return urls;
  }

  /**
   * Whether some member is reached at a host that is not a loopback literal ({@code localhost},
   * {@code 127.*}, {@code ::1}). Names are not resolved: a name is taken as reaching beyond this
   * machine, which errs towards warning.
   */
  public boolean reachesBeyondLoopback() {
    for (String url : urls.values()) {
      String host;
      try {
        host = URI.create(url).getHost();
      } catch (IllegalArgumentException e) {
        return true;
      }
      if (host == null || !isLoopback(host)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost")
        || h.startsWith("127.")
        || h.equals("[::1]")
        || h.equals("::1")
        || h.equals("[0:0:0:0:0:0:0:1]");
  }

  public synchronized void put(String id, String url) {
    Map<String, String> next = new LinkedHashMap<>(urls);
    next.put(Objects.requireNonNull(id), Objects.requireNonNull(url));
    urls = Collections.unmodifiableMap(next);
  }

  public synchronized void remove(String id) {
    if (id.equals(self)) {
      throw new IllegalArgumentException("a member cannot remove its own address");
    }
    Map<String, String> next = new LinkedHashMap<>(urls);
    next.remove(id);
    urls = Collections.unmodifiableMap(next);
  }

  @Override
  public String toString() {
    return self + " in " + urls;
  }
}
