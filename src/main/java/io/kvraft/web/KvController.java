package io.kvraft.web;

import io.kvraft.kv.ClientRef;
import io.kvraft.kv.InvalidRequestException;
import io.kvraft.kv.KvResult;
import io.kvraft.kv.KvService;
import io.kvraft.kv.Precondition;
import io.kvraft.kv.Versioned;
import io.kvraft.node.NotLeaderException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The client contract of design §3: raw values under {@code /kv/{key}} (a key may contain slashes), revisions as
 * ETags, compare-and-set with If-Match / If-None-Match, exactly-once writes with Client-Id / Request-Seq. A
 * follower passes writes on to the leader; reads are answered locally after a ReadIndex barrier.
 */
@RestController
public class KvController {
  private final KvService kv;
  private final LeaderForwarder forwarder;

  public KvController(KvService kv, LeaderForwarder forwarder) {
    this.kv = kv;
    this.forwarder = forwarder;
  }

  @GetMapping("/kv/{*key}")
  public CompletableFuture<ResponseEntity<byte[]>> get(
      @PathVariable String key, @RequestParam(defaultValue = "linearizable") String consistency) {
    boolean stale = parseConsistency(consistency);
    return kv.get(stripSlash(key), stale)
        .thenApply(
            v ->
                v.map(
                        found ->
                            ResponseEntity.ok()
                                .eTag(etag(found.revision()))
                                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                                .body(found.value()))
                    .orElseThrow(() -> new KeyNotFoundException(stripSlash(key))));
  }

  @GetMapping("/kv")
  public CompletableFuture<Map<String, Object>> list(
      @RequestParam(defaultValue = "") String prefix,
      @RequestParam(required = false) String startAfter,
      @RequestParam(defaultValue = "100") int limit,
      @RequestParam(defaultValue = "linearizable") String consistency) {
    boolean stale = parseConsistency(consistency);
    return kv.keys(prefix, startAfter, limit, stale)
        .thenApply(
            keys -> {
              String next = keys.size() == limit ? keys.get(keys.size() - 1) : null;
              return next == null ? Map.of("keys", keys) : Map.of("keys", keys, "next", next);
            });
  }

  @PutMapping("/kv/{*key}")
  public CompletableFuture<ResponseEntity<byte[]>> put(
      @PathVariable String key,
      @RequestHeader(value = "If-Match", required = false) String ifMatch,
      @RequestHeader(value = "If-None-Match", required = false) String ifNoneMatch,
      HttpServletRequest request) {
    String k = stripSlash(key);
    byte[] value = readBody(request);
    Precondition pre = precondition(ifMatch, ifNoneMatch);
    ClientRef client = client(request);
    return forwardIfFollower(request, value, () -> kv.put(k, value, pre, client));
  }

  @PostMapping("/kv/{*key}")
  public CompletableFuture<ResponseEntity<byte[]>> append(
      @PathVariable String key, HttpServletRequest request) {
    String k = stripSlash(key);
    byte[] value = readBody(request);
    ClientRef client = client(request);
    return forwardIfFollower(request, value, () -> kv.append(k, value, client));
  }

  @DeleteMapping("/kv/{*key}")
  public CompletableFuture<ResponseEntity<byte[]>> delete(
      @PathVariable String key,
      @RequestHeader(value = "If-Match", required = false) String ifMatch,
      HttpServletRequest request) {
    String k = stripSlash(key);
    Precondition pre = precondition(ifMatch, null);
    ClientRef client = client(request);
    return forwardIfFollower(request, new byte[0], () -> kv.delete(k, pre, client));
  }

  private CompletableFuture<ResponseEntity<byte[]>> forwardIfFollower(
      HttpServletRequest request, byte[] body, Supplier<CompletableFuture<KvResult>> write) {
    return write
        .get()
        .thenApply(KvController::writeResponse)
        .exceptionallyCompose(
            e -> {
              Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
              if (cause instanceof NotLeaderException nle
                  && nle.leaderHint() != null
                  && request.getHeader(KvHeaders.FORWARDED_BY) == null) {
                return forwarder.forward(nle.leaderHint(), request, body);
              }
              return CompletableFuture.failedFuture(cause);
            });
  }

  private static ResponseEntity<byte[]> writeResponse(KvResult r) {
    return switch (r.status()) {
      case OK, NOT_FOUND -> {
        ResponseEntity.HeadersBuilder<?> b = ResponseEntity.noContent();
        if (r.revision() > 0) {
          b.eTag(etag(r.revision()));
        }
        yield b.build();
      }
      case PRECONDITION_FAILED -> {
        ProblemDetail pd =
            ProblemDetail.forStatusAndDetail(
                HttpStatus.PRECONDITION_FAILED,
                r.revision() == 0
                    ? "the key does not exist"
                    : "the key's revision is " + r.revision());
        pd.setTitle("Precondition Failed");
        throw new ProblemException(pd, r.revision() > 0 ? etag(r.revision()) : null);
      }
      case STALE_REQUEST -> {
        ProblemDetail pd =
            ProblemDetail.forStatusAndDetail(
                HttpStatus.CONFLICT,
                "Request-Seq is older than this client's last applied request; its answer is no longer kept");
        pd.setTitle("Stale Request");
        throw new ProblemException(pd, null);
      }
    };
  }

  static String etag(long revision) {
    return "\"" + revision + "\"";
  }

  private static String stripSlash(String key) {
    return key.startsWith("/") ? key.substring(1) : key;
  }

  private static boolean parseConsistency(String c) {
    return switch (c) {
      case "stale" -> true;
      case "linearizable" -> false;
      default -> throw InvalidRequestException.bad("consistency must be 'linearizable' or 'stale'");
    };
  }

  static Precondition precondition(String ifMatch, String ifNoneMatch) {
    if (ifMatch != null && ifNoneMatch != null) {
      throw InvalidRequestException.bad("give If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw InvalidRequestException.bad("If-None-Match supports only '*' (create if absent)");
      }
      return Precondition.ifNoneMatch();
    }
    if (ifMatch != null) {
      String t = ifMatch.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      try {
        long rev = Long.parseLong(t);
        if (rev <= 0) {
          throw new NumberFormatException();
        }
        return Precondition.ifMatch(rev);
      } catch (NumberFormatException e) {
        throw InvalidRequestException.bad("If-Match must be a revision ETag such as \"42\"");
      }
    }
    return Precondition.none();
  }

  static ClientRef client(HttpServletRequest request) {
    String id = request.getHeader(KvHeaders.CLIENT_ID);
    String seq = request.getHeader(KvHeaders.REQUEST_SEQ);
    if (id == null && seq == null) {
      return ClientRef.NONE;
    }
    if (id == null) {
      throw InvalidRequestException.bad("Request-Seq needs a Client-Id");
    }
    if (seq == null) {
      throw InvalidRequestException.bad("Client-Id needs a Request-Seq");
    }
    try {
      return new ClientRef(id, Long.parseLong(seq.trim()));
    } catch (NumberFormatException e) {
      throw InvalidRequestException.bad("Request-Seq must be a positive integer");
    }
  }

  private byte[] readBody(HttpServletRequest request) {
    int limit = kv.limits().maxValueBytes();
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      throw InvalidRequestException.tooLarge("body is " + declared + " bytes; the limit is " + limit);
    }
    try (InputStream in = request.getInputStream()) {
      byte[] body = in.readNBytes(limit + 1);
      if (body.length > limit) {
        throw InvalidRequestException.tooLarge("body exceeds the limit of " + limit + " bytes");
      }
      return body;
    } catch (IOException e) {
      throw InvalidRequestException.bad("could not read the request body: " + e.getMessage());
    }
  }

  /** A 404 for a key that is absent. */
  static final class KeyNotFoundException extends RuntimeException {
    KeyNotFoundException(String key) {
      super("key not found: " + key);
    }
  }

  /** A finished problem response raised from inside a future. */
  static final class ProblemException extends RuntimeException {
    final ProblemDetail problem;
    final String etag;

    ProblemException(ProblemDetail problem, String etag) {
      super(problem.getDetail(), null, false, false);
      this.problem = problem;
      this.etag = etag;
    }
  }

}
