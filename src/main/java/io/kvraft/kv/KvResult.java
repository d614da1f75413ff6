package io.kvraft.kv;

/**
 * Outcome of applying one write. Deliberately small (no value) because the last result of every
 * client session is kept in the replicated state and in snapshots.
 *
 * <p>{@code revision} by status:
 *
 * <ul>
 *   <li>{@link Status#OK}: the log index of the write (the key's new revision; for a delete, the
 *       index it was deleted at).
 *   <li>{@link Status#PRECONDITION_FAILED}: the key's current revision, 0 if absent (lets a 412
 *       carry the ETag).
 *   <li>{@link Status#NOT_FOUND}: delete of an absent key; nothing changed, revision 0. The HTTP
 *       layer may map it to 204 like a successful delete, since deletes are idempotent for the
 *       caller.
 *   <li>{@link Status#STALE_REQUEST}: seq older than the client's last applied one; the original
 *       answer is gone and nothing was applied. Revision 0.
 *   <li>{@link Status#SESSION_EXPIRED}: the write names a client session that does not exist (never
 *       issued, expired or evicted); nothing was applied and nothing recorded. Revision 0.
 *   <li>For a session registration: {@link Status#OK} with the registration's log index as revision
 *       (the session id is derived from it), or {@link Status#SESSIONS_FULL} when the session table
 *       is full and its least recently used session has not been idle long enough to evict.
 *       Revision 0.
 * </ul>
 *
 * <p>Only results of applied writes are recorded in sessions, so the two session statuses never
 * reach a snapshot.
 */
public record KvResult(Status status, long revision) {
  public enum Status {
    OK(0),
    PRECONDITION_FAILED(1),
    NOT_FOUND(2),
    STALE_REQUEST(3),
    SESSION_EXPIRED(4),
    SESSIONS_FULL(5);

    /** Stable wire code for snapshots; independent of declaration order. */
    final int code;

    Status(int code) {
      this.code = code;
    }

    static Status fromCode(int code) {
      for (Status s : values()) {
        if (s.code == code) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown status code " + code);
    }
  }

  public static final KvResult NOT_FOUND = new KvResult(Status.NOT_FOUND, 0);
  public static final KvResult STALE_REQUEST = new KvResult(Status.STALE_REQUEST, 0);
  public static final KvResult SESSION_EXPIRED = new KvResult(Status.SESSION_EXPIRED, 0);
  public static final KvResult SESSIONS_FULL = new KvResult(Status.SESSIONS_FULL, 0);

  public KvResult {
    if (status == null) {
      throw new IllegalArgumentException("status is null");
    }
    if (revision < 0) {
      throw new IllegalArgumentException("negative revision " + revision);
    }
  }

  public static KvResult ok(long revision) {
    return new KvResult(Status.OK, revision);
  }

  public static KvResult preconditionFailed(long currentRevision) {
    return new KvResult(Status.PRECONDITION_FAILED, currentRevision);
  }

  public boolean isOk() {
    return status == Status.OK;
  }
}
