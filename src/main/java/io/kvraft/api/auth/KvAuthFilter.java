package io.kvraft.api.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.config.KvAuthProperties;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Bearer-token access to the client API when {@code kv.auth.*} tokens are configured (see {@link
 * KvAuthProperties}): no or an unknown token is 401 with a {@code WWW-Authenticate} challenge, a
 * read-only token on anything but GET/HEAD/OPTIONS is 403; otherwise the request goes on unchanged.
 * It is registered for {@code /kv} and {@code /kv/*} only ({@link KvAuthConfiguration}): the
 * actuator stays open for probes and scrapes, and {@code /raft/*} has its own cluster token.
 *
 * <p>A servlet filter ordered ahead of every other kvraft filter, not an MVC interceptor, so a
 * refused request never reaches the controller, a filter that serves /kv itself, or the leader
 * forwarder. Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, against
 * every configured token without stopping at a match, so the time taken says nothing about a
 * token's length, prefix or role.
 */
public final class KvAuthFilter implements Filter {
  /**
   * After Spring Boot's character-encoding (highest precedence) and HTTP observation (+1) filters;
   * before anything that serves or forwards /kv, which must order itself later (the servlet-level
   * /kv endpoint takes +20).
   */
  public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

  static final String REALM = "Bearer realm=\"kvraft\"";
  private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
  private static final String BEARER = "Bearer ";

  private final List<byte[]> readWrite;
  private final List<byte[]> readOnly;
  private final ObjectMapper json;

  public KvAuthFilter(KvAuthProperties auth, ObjectMapper json) {
    this.readWrite = auth.readWriteTokens().stream().map(KvAuthFilter::digest).toList();
    this.readOnly = auth.readOnlyTokens().stream().map(KvAuthFilter::digest).toList();
    this.json = json;
  }

  private enum Access {
    NONE,
    READ,
    READ_WRITE
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String token = bearerToken(request);
    if (token == null) {
      boolean absent = request.getHeader(HttpHeaders.AUTHORIZATION) == null;
      refuse(
          response,
          HttpStatus.UNAUTHORIZED,
          absent ? REALM : REALM + ", error=\"invalid_request\"",
          absent
              ? "this node requires Authorization: Bearer <token> on /kv and /sessions"
              : "the Authorization header is not a single 'Bearer <token>'");
      return;
    }
    Access access = accessOf(token);
    if (access == Access.NONE) {
      refuse(
          response,
          HttpStatus.UNAUTHORIZED,
          REALM + ", error=\"invalid_token\"",
          "unknown bearer token");
      return;
    }
    if (access == Access.READ && !READ_METHODS.contains(request.getMethod())) {
      refuse(
          response,
          HttpStatus.FORBIDDEN,
          REALM + ", error=\"insufficient_scope\"",
          "this token may only read; " + request.getMethod() + " needs a read-write token");
      return;
    }
    chain.doFilter(req, res);
  }

  /**
   * The token of the one Authorization header, when it is {@code Bearer <token>}; null otherwise.
   */
  private static String bearerToken(HttpServletRequest request) {
    Enumeration<String> values = request.getHeaders(HttpHeaders.AUTHORIZATION);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String header = values.nextElement();
    if (values.hasMoreElements() || header.length() <= BEARER.length()) {
      return null;
    }
    if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = header.substring(BEARER.length()).strip();
    return token.isEmpty() || token.chars().anyMatch(Character::isWhitespace) ? null : token;
  }

  private Access accessOf(String token) {
    byte[] presented = digest(token);
    boolean rw = false;
    boolean ro = false;
    for (byte[] t : readWrite) {
      rw |= MessageDigest.isEqual(t, presented);
    }
    for (byte[] t : readOnly) {
      ro |= MessageDigest.isEqual(t, presented);
    }
    return rw ? Access.READ_WRITE : ro ? Access.READ : Access.NONE;
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private void refuse(
      HttpServletResponse response, HttpStatus status, String challenge, String detail)
      throws IOException {
    Map<String, Object> pd = new LinkedHashMap<>();
    pd.put("type", "about:blank");
    pd.put("title", status.getReasonPhrase());
    pd.put("status", status.value());
    pd.put("detail", detail);
    byte[] bytes = json.writeValueAsBytes(pd);
    response.setStatus(status.value());
    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
