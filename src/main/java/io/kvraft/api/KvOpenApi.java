package io.kvraft.api;

import io.kvraft.config.KvProperties;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BinarySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3.0 description of the client contract (design §3) that springdoc serves at {@code
 * /v3/api-docs}. {@link KvEndpointFilter} serves {@code /kv} outside Spring MVC, where annotation
 * scanning cannot see it, so the contract is stated here once, in full: raw octet-stream values,
 * the ETag/If-Match/If-None-Match revision protocol, sessions (POST /sessions) and
 * Client-Id/Request-Seq, Raft-Leader, the optional bearer token, and every status with its
 * problem+json body. The checked-in copy {@code src/main/openapi/kvraft.yaml} must equal it
 * (OpenApiDriftTest); the generated Java client is built from that.
 */
@Configuration
public class KvOpenApi {
  static final String PROBLEM = "application/problem+json";
  static final String OCTETS = "application/octet-stream";
  static final String BEARER = "bearerAuth";

  @Bean
  OpenApiCustomizer kvContract(KvProperties kv) {
    return api -> describe(api, kv);
  }

  static void describe(OpenAPI api, KvProperties kv) {
    api.setInfo(
        new Info()
            .title("kvraft")
            .version("1")
            .description(
                "A key-value service replicated with Raft. Any node takes any request: followers forward writes"
                    + " to the leader and serve linearizable reads after a ReadIndex round. Values are raw bytes."
                    + " A key's revision (the Raft log index of its last write) is its ETag.")
            .license(new License().name("Apache-2.0")));
    api.setTags(
        List.of(
            new Tag().name("kv").description("Keys and values"),
            new Tag().name("sessions").description("Client sessions for exactly-once writes")));
    api.setComponents(components(kv));
    // Either no credentials (a cluster without kv.auth tokens) or a bearer token (one with them).
    api.setSecurity(List.of(new SecurityRequirement(), new SecurityRequirement().addList(BEARER)));
    Paths paths = new Paths();
    paths.addPathItem("/kv", new PathItem().get(list(kv)));
    paths.addPathItem(
        "/kv/{key}", new PathItem().get(get()).put(put(kv)).post(append(kv)).delete(delete()));
    paths.addPathItem(SessionEndpointFilter.URI, new PathItem().post(registerSession(kv)));
    api.setPaths(paths);
  }

  private static Components components(KvProperties kv) {
    Components c = new Components();
    c.addParameters(
        "Key",
        new Parameter()
            .in("path")
            .name("key")
            .required(true)
            .description(
                "The key, 1 to "
                    + kv.maxKeyBytes()
                    + " UTF-8 bytes. It may contain '/', sent unencoded"
                    + " (/kv/users/1); an encoded %2F is rejected by the server, and so are '.' or '..' segments"
                    + " and ';' parameters: the key is the path exactly as sent, never a normalised one.")
            .schema(new StringSchema().minLength(1)));
    c.addParameters(
        "Consistency",
        new Parameter()
            .in("query")
            .name("consistency")
            .description(
                "linearizable (default): reflects every write acknowledged before the request started."
                    + " stale: this node's local state, possibly behind, answered even without a leader.")
            .schema(
                new StringSchema()
                    ._enum(List.of("linearizable", "stale"))
                    ._default("linearizable")));
    c.addParameters(
        "ClientId",
        new Parameter()
            .in("header")
            .name("Client-Id")
            .description(
                "Exactly-once writes: the id POST /sessions issued to this client, sent with Request-Seq. The"
                    + " cluster keeps each session's last Request-Seq and its result, and answers a retry with that"
                    + " result instead of applying it again. An id without a live session (never issued, expired"
                    + " after kv.session-ttl idle, or evicted) is refused with 410 and nothing is applied.")
            .schema(new StringSchema().minLength(1).maxLength(64)));
    c.addParameters(
        "RequestSeq",
        new Parameter()
            .in("header")
            .name("Request-Seq")
            .description(
                "Exactly-once writes: grows by one per new operation of this Client-Id; a retry re-sends the"
                    + " same number, to any node.")
            .schema(new IntegerSchema().format("int64").minimum(BigDecimal.ONE)));
    c.addParameters(
        "IfMatch",
        new Parameter()
            .in("header")
            .name("If-Match")
            .description(
                "Compare-and-set: apply only if the key's current revision is this ETag (\"42\"); 412 otherwise.")
            .schema(new StringSchema().example("\"42\"")));
    c.addParameters(
        "IfNoneMatch",
        new Parameter()
            .in("header")
            .name("If-None-Match")
            .description("Create only: '*' applies only if the key is absent; 412 otherwise.")
            .schema(new StringSchema()._enum(List.of("*"))));

    c.addHeaders(
        "ETag", header("The key's revision as a strong ETag, e.g. \"42\"", new StringSchema()));
    c.addHeaders(
        "RaftLeader",
        header("The leader this node knows of, when it knows one", new StringSchema()));
    c.addHeaders(
        "ClientIdIssued",
        header("The session id the cluster issued, as in the body", new StringSchema()));
    c.addHeaders(
        "WwwAuthenticate",
        header(
            "The bearer challenge: Bearer realm=\"kvraft\", with error=\"invalid_token\", \"invalid_request\" or"
                + " \"insufficient_scope\" when a token was sent",
            new StringSchema()));
    c.addHeaders(
        "RetryAfter",
        header("Seconds to wait before retrying", new IntegerSchema().format("int32")));

    c.addSchemas("Value", new BinarySchema().description("The value's raw bytes"));
    c.addSchemas(
        "Session",
        new ObjectSchema()
            .description("A client session registered through the Raft log")
            .addProperty(
                "clientId",
                new StringSchema()
                    .description(
                        "Send it as Client-Id with every write of this session; issued by the cluster (the log index"
                            + " of the registration) and never issued again"))
            .required(List.of("clientId")));
    c.addSchemas(
        "KeyPage",
        new ObjectSchema()
            .description("One page of keys in ascending order")
            .addProperty("keys", new ArraySchema().items(new StringSchema()))
            .addProperty(
                "next",
                new StringSchema()
                    .description(
                        "Present when more keys may follow: pass it as startAfter for the next page"))
            .required(List.of("keys")));
    c.addSchemas(
        "Problem",
        new ObjectSchema()
            .description("RFC 9457 problem details")
            .addProperty("type", new StringSchema().format("uri"))
            .addProperty("title", new StringSchema())
            .addProperty("status", new IntegerSchema().format("int32"))
            .addProperty("detail", new StringSchema())
            .addProperty("instance", new StringSchema().format("uri")));

    c.addResponses(
        "BadRequest",
        problem(
            "Invalid request (empty or too long key, malformed headers or parameters); nothing changed"));
    c.addResponses("NotFound", problem("The key does not exist"));
    c.addResponses(
        "StaleRequest",
        problem(
            "Request-Seq is older than this client's last applied one; that answer is no longer kept"));
    c.addResponses(
        "SessionExpired",
        problem(
            "Client-Id has no live session: it was never issued, expired (idle longer than kv.session-ttl) or"
                + " was evicted (type urn:kvraft:problem:session-expired). The request was NOT applied, but an"
                + " earlier attempt of it may have been: its outcome is unknown. Register a new session and read"
                + " the key before retrying"));
    c.addResponses(
        "RegistrationUnavailable",
        problem(
                "No session was created: the session table holds kv.max-sessions sessions and none has been idle"
                    + " for kv.session-min-idle (type urn:kvraft:problem:too-many-sessions); or there is no leader, or"
                    + " the registration was not confirmed within kv.request-timeout (a session may then exist unused;"
                    + " it expires). Retry after Retry-After. Type urn:kvraft:problem:state-diverged: this member's"
                    + " state differs from a quorum's; nothing was done, ask another member")
            .headers(
                new LinkedHashMap<>(
                    Map.of(
                        "Retry-After",
                        headerRef("RetryAfter"),
                        "Raft-Leader",
                        headerRef("RaftLeader")))));
    c.addResponses(
        "PreconditionFailed",
        problem(
                "If-Match / If-None-Match did not hold; nothing changed. ETag gives the current revision"
                    + " when the key exists")
            .headers(Map.of("ETag", headerRef("ETag"))));
    c.addResponses(
        "PayloadTooLarge",
        problem(
            "The value exceeds kv.max-value-bytes (" + kv.maxValueBytes() + "); nothing changed"));
    c.addResponses(
        "RequestTimeout",
        problem(
            "The request body was not complete within kv.body-read-timeout ("
                + kv.bodyReadTimeout().toSeconds()
                + " s) after the headers; nothing changed, and the connection is closed"));
    c.addResponses(
        "Unavailable",
        problem(
                "No leader, or the request was not confirmed within kv.request-timeout. The outcome is unknown:"
                    + " retry, with the same Client-Id/Request-Seq for a write. Titled Overloaded (type"
                    + " urn:kvraft:problem:overloaded): the member already holds as much as it may (pending writes,"
                    + " request bodies being read, kv.body-budget-bytes); nothing was applied, retry after Retry-After."
                    + " Type urn:kvraft:problem:state-diverged: this member found its state differs from what a"
                    + " quorum of members hold (see /actuator/hash); nothing was done, ask another member")
            .headers(
                new LinkedHashMap<>(
                    Map.of(
                        "Retry-After",
                        headerRef("RetryAfter"),
                        "Raft-Leader",
                        headerRef("RaftLeader")))));
    c.addResponses(
        "Unauthorized",
        problem(
                "The node has client tokens (kv.auth.*) and the request carries none, or not a known one, as"
                    + " Authorization: Bearer <token>; nothing changed")
            .headers(Map.of("WWW-Authenticate", headerRef("WwwAuthenticate"))));
    c.addResponses(
        "Forbidden",
        problem("The bearer token may only read; nothing changed")
            .headers(Map.of("WWW-Authenticate", headerRef("WwwAuthenticate"))));
    c.addSecuritySchemes(
        BEARER,
        new SecurityScheme()
            .type(SecurityScheme.Type.HTTP)
            .scheme("bearer")
            .description(
                "Required on every /kv and /sessions request only when the cluster is configured with client"
                    + " tokens (kv.auth.read-write-tokens, kv.auth.read-only-tokens). A read-only token may GET;"
                    + " writes and session registration need a read-write token."));
    c.addResponses("InternalError", problem("Unexpected server error; see the server log"));
    return c;
  }

  private static Operation registerSession(KvProperties kv) {
    Map<String, Header> headers = new LinkedHashMap<>();
    headers.put("Client-Id", headerRef("ClientIdIssued"));
    headers.putAll(leaderHeader());
    return new Operation()
        .operationId("registerSession")
        .summary("Register a client session for exactly-once writes (no body); any node takes it")
        .description(
            "The session is created through the Raft log and its id issued by the cluster, so a Client-Id without"
                + " a live session can be told apart from a new client. A session idle longer than kv.session-ttl ("
                + kv.sessionTtl().toSeconds()
                + " s) expires; when kv.max-sessions ("
                + kv.maxSessions()
                + ") are held, a registration evicts the least recently used one only if it has been idle for"
                + " kv.session-min-idle ("
                + kv.sessionMinIdle().toSeconds()
                + " s), and is refused with 503 otherwise.")
        .addTagsItem("sessions")
        .responses(
            errors(
                new ApiResponses()
                    .addApiResponse(
                        "201",
                        new ApiResponse()
                            .description(
                                "Registered; the body and the Client-Id header carry the issued id")
                            .headers(headers)
                            .content(
                                new Content()
                                    .addMediaType(
                                        "application/json",
                                        new MediaType().schema(schemaRef("Session"))))),
                "Unauthorized",
                "Forbidden",
                "RegistrationUnavailable"));
  }

  private static Operation list(KvProperties kv) {
    return new Operation()
        .operationId("listKeys")
        .summary("List keys with a prefix, in order, one page at a time")
        .addTagsItem("kv")
        .addParametersItem(
            new Parameter()
                .in("query")
                .name("prefix")
                .description("Only keys starting with this")
                .schema(new StringSchema()._default("")))
        .addParametersItem(
            new Parameter()
                .in("query")
                .name("startAfter")
                .description("Only keys after this one (the previous page's next)")
                .schema(new StringSchema()))
        .addParametersItem(
            new Parameter()
                .in("query")
                .name("limit")
                .description("Page size")
                .schema(
                    new IntegerSchema()
                        .format("int32")
                        .minimum(BigDecimal.ONE)
                        .maximum(BigDecimal.valueOf(kv.maxListLimit()))
                        ._default(100)))
        .addParametersItem(ref("Consistency"))
        .responses(
            errors(
                new ApiResponses()
                    .addApiResponse(
                        "200",
                        new ApiResponse()
                            .description("A page of keys")
                            .headers(leaderHeader())
                            .content(
                                new Content()
                                    .addMediaType(
                                        "application/json",
                                        new MediaType().schema(schemaRef("KeyPage"))))),
                "BadRequest",
                "Unauthorized",
                "Unavailable"));
  }

  private static Operation get() {
    return new Operation()
        .operationId("getValue")
        .summary("Read a value")
        .addTagsItem("kv")
        .addParametersItem(ref("Key"))
        .addParametersItem(ref("Consistency"))
        .responses(
            errors(
                new ApiResponses()
                    .addApiResponse(
                        "200",
                        new ApiResponse()
                            .description("The value's raw bytes; ETag is its revision")
                            .headers(etagAndLeader())
                            .content(
                                new Content()
                                    .addMediaType(
                                        OCTETS, new MediaType().schema(schemaRef("Value"))))),
                "BadRequest",
                "Unauthorized",
                "NotFound",
                "Unavailable"));
  }

  private static Operation put(KvProperties kv) {
    return new Operation()
        .operationId("putValue")
        .summary(
            "Set a value, optionally only if its revision matches (compare-and-set) or it is absent")
        .addTagsItem("kv")
        .addParametersItem(ref("Key"))
        .addParametersItem(ref("IfMatch"))
        .addParametersItem(ref("IfNoneMatch"))
        .addParametersItem(ref("ClientId"))
        .addParametersItem(ref("RequestSeq"))
        .requestBody(valueBody("The new value, raw bytes (any Content-Type is taken as bytes)", kv))
        .responses(
            errors(
                new ApiResponses().addApiResponse("204", written("Set; ETag is the new revision")),
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "StaleRequest",
                "SessionExpired",
                "PreconditionFailed",
                "RequestTimeout",
                "PayloadTooLarge",
                "Unavailable"));
  }

  private static Operation append(KvProperties kv) {
    return new Operation()
        .operationId("appendValue")
        .summary("Append bytes to a value (an absent key counts as empty)")
        .addTagsItem("kv")
        .addParametersItem(ref("Key"))
        .addParametersItem(ref("ClientId"))
        .addParametersItem(ref("RequestSeq"))
        .requestBody(valueBody("The bytes to append", kv))
        .responses(
            errors(
                new ApiResponses()
                    .addApiResponse("204", written("Appended; ETag is the new revision")),
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "StaleRequest",
                "SessionExpired",
                "RequestTimeout",
                "PayloadTooLarge",
                "Unavailable"));
  }

  private static Operation delete() {
    return new Operation()
        .operationId("deleteValue")
        .summary(
            "Delete a key (deleting an absent key succeeds), optionally only if its revision matches")
        .addTagsItem("kv")
        .addParametersItem(ref("Key"))
        .addParametersItem(ref("IfMatch"))
        .addParametersItem(ref("ClientId"))
        .addParametersItem(ref("RequestSeq"))
        .responses(
            errors(
                new ApiResponses()
                    .addApiResponse(
                        "204",
                        new ApiResponse()
                            .description("Deleted, or was absent")
                            .headers(leaderHeader())),
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "StaleRequest",
                "SessionExpired",
                "PreconditionFailed",
                "Unavailable"));
  }

  private static ApiResponses errors(ApiResponses r, String... names) {
    for (String name : names) {
      r.addApiResponse(statusOf(name), new ApiResponse().$ref("#/components/responses/" + name));
    }
    r.addApiResponse("500", new ApiResponse().$ref("#/components/responses/InternalError"));
    return r;
  }

  private static String statusOf(String response) {
    return switch (response) {
      case "BadRequest" -> "400";
      case "Unauthorized" -> "401";
      case "Forbidden" -> "403";
      case "NotFound" -> "404";
      case "RequestTimeout" -> "408";
      case "StaleRequest" -> "409";
      case "SessionExpired" -> "410";
      case "PreconditionFailed" -> "412";
      case "PayloadTooLarge" -> "413";
      case "Unavailable", "RegistrationUnavailable" -> "503";
      default -> throw new IllegalArgumentException(response);
    };
  }

  /**
   * The request body is stated as a plain string, not {@code format: binary}: the server takes any
   * bytes either way, but openapi-generator's java/native client JSON-encodes a binary (File) body,
   * while it sends a string raw.
   */
  private static RequestBody valueBody(String description, KvProperties kv) {
    return new RequestBody()
        .required(true)
        .description(
            description
                + "; at most "
                + kv.maxValueBytes()
                + " bytes, taken as-is whatever the Content-Type (clients may send any bytes)")
        .content(new Content().addMediaType(OCTETS, new MediaType().schema(new StringSchema())));
  }

  private static ApiResponse written(String description) {
    return new ApiResponse().description(description).headers(etagAndLeader());
  }

  private static ApiResponse problem(String description) {
    return new ApiResponse()
        .description(description)
        .content(new Content().addMediaType(PROBLEM, new MediaType().schema(schemaRef("Problem"))));
  }

  private static Map<String, Header> etagAndLeader() {
    Map<String, Header> h = new LinkedHashMap<>();
    h.put("ETag", headerRef("ETag"));
    h.putAll(leaderHeader());
    return h;
  }

  private static Map<String, Header> leaderHeader() {
    Map<String, Header> h = new LinkedHashMap<>();
    h.put("Raft-Leader", headerRef("RaftLeader"));
    return h;
  }

  private static Header header(String description, Schema<?> schema) {
    return new Header().description(description).schema(schema);
  }

  private static Header headerRef(String name) {
    return new Header().$ref("#/components/headers/" + name);
  }

  private static Parameter ref(String name) {
    return new Parameter().$ref("#/components/parameters/" + name);
  }

  @SuppressWarnings("rawtypes")
  private static Schema schemaRef(String name) {
    return new Schema<>().$ref("#/components/schemas/" + name);
  }
}
