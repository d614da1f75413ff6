package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.testing.SpringCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every request of every http-examples/*.http file, in order, against a follower of a live
 * three-node cluster and checks the status its {@code # expect NNN} comment promises, and the body
 * and headers its {@code # expect-body|json|header} comments promise, so the examples never rot.
 * The parser knows the REST Client format as far as the examples use it: {@code ###} separators,
 * {@code @var = value} file variables, {@code # @name} plus {@code {{name.response.headers.X}}}
 * references, request line, headers, blank line, body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpExamplesTest {
  private static final Path DIR = Path.of("http-examples");
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Pattern VAR = Pattern.compile("\\{\\{\\s*([^}\\s]+)\\s*}}");

  @RegisterExtension
  static final SpringCluster cluster =
      SpringCluster.builder()
          .nodes(3)
          .property("raft.cluster-token", "examples-token")
          .property("raft.tick-interval", "20ms")
          // every member ready: a leader is known everywhere and everyone has caught up
          .awaitReady(Duration.ofSeconds(60))
          .build();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /**
   * One request. Besides {@code # expect NNN}, a request may promise its answer's body ({@code #
   * expect-body text}, exact), JSON body ({@code # expect-json {...}}, compared as JSON) and
   * headers ({@code # expect-header Name: value}, references substituted), so the examples are
   * checked for what they say happens, not only for their status.
   */
  record Example(
      String title,
      String name,
      int expect,
      String method,
      String url,
      List<String[]> headers,
      String body,
      String expectBody,
      String expectJson,
      List<String[]> expectHeaders) {}

  static Stream<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(DIR)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".http")).sorted().toList();
      assertThat(files).hasSizeGreaterThanOrEqualTo(8);
      return files.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("files")
  void everyExampleAnswersAsItsCommentSays(Path file) throws Exception {
    Map<String, String> vars = new HashMap<>();
    List<Example> examples = parse(Files.readString(file), vars);
    assertThat(examples).as(file.toString()).isNotEmpty();
    vars.put("host", cluster.url(cluster.follower()));
    Map<String, HttpResponse<String>> named = new HashMap<>();
    for (Example ex : examples) {
      String url = substitute(ex.url(), vars, named);
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofSeconds(20))
              .method(
                  ex.method(),
                  ex.body().isEmpty()
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(ex.body()));
      for (String[] h : ex.headers()) {
        b.header(h[0], substitute(h[1], vars, named));
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode())
          .as("%s: %s %s -> %s", file.getFileName(), ex.method(), url, r.body())
          .isEqualTo(ex.expect());
      if (r.statusCode() >= 400) {
        assertThat(r.headers().firstValue("Content-Type"))
            .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
      }
      String what = file.getFileName() + ": " + ex.method() + " " + url;
      if (ex.expectBody() != null) {
        assertThat(r.body()).as(what).isEqualTo(substitute(ex.expectBody(), vars, named));
      }
      if (ex.expectJson() != null) {
        assertThat(JSON.readTree(r.body()))
            .as(what + " -> " + r.body())
            .isEqualTo(JSON.readTree(substitute(ex.expectJson(), vars, named)));
      }
      for (String[] h : ex.expectHeaders()) {
        assertThat(r.headers().firstValue(h[0]))
            .as(what + ": header " + h[0])
            .hasValue(substitute(h[1], vars, named));
      }
      if (ex.name() != null) {
        named.put(ex.name(), r);
      }
    }
  }

  private static String substitute(
      String s, Map<String, String> vars, Map<String, HttpResponse<String>> named) {
    Matcher m = VAR.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String ref = m.group(1);
      String value;
      String[] parts = ref.split("\\.");
      if (parts.length == 4 && parts[1].equals("response") && parts[2].equals("headers")) {
        HttpResponse<String> r = named.get(parts[0]);
        assertThat(r).as("request named %s has not run", parts[0]).isNotNull();
        value =
            r.headers()
                .firstValue(parts[3])
                .orElseThrow(() -> new AssertionError("no header " + ref));
      } else {
        value = vars.get(ref);
        assertThat(value).as("variable %s", ref).isNotNull();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@code Name: value} as {name, value}, for request headers and promised ones alike. */
  private static String[] header(String line) {
    int colon = line.indexOf(':');
    return new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()};
  }

  /** Splits a .http file into requests; file variables ({@code @x = y}) go into {@code vars}. */
  static List<Example> parse(String text, Map<String, String> vars) {
    List<Example> out = new ArrayList<>();
    for (String block : text.split("(?m)^###.*$")) {
      String title = null;
      String name = null;
      Integer expect = null;
      String expectBody = null;
      String expectJson = null;
      List<String[]> expectHeaders = new ArrayList<>();
      String method = null;
      String url = null;
      List<String[]> headers = new ArrayList<>();
      StringBuilder body = new StringBuilder();
      boolean inBody = false;
      for (String line : block.split("\n", -1)) {
        String t = line.strip();
        if (inBody) {
          body.append(line).append('\n');
          continue;
        }
        if (method == null) {
          if (t.isEmpty()) {
            continue;
          }
          if (t.startsWith("#") || t.startsWith("//")) {
            String c = t.replaceFirst("^(#|//)\\s*", "");
            if (c.startsWith("@name ")) {
              name = c.substring(6).trim();
            } else if (c.startsWith("expect ")) {
              expect = Integer.parseInt(c.substring(7).trim());
            } else if (c.startsWith("expect-body ")) {
              expectBody = c.substring("expect-body ".length());
            } else if (c.startsWith("expect-json ")) {
              expectJson = c.substring("expect-json ".length());
            } else if (c.startsWith("expect-header ")) {
              expectHeaders.add(header(c.substring("expect-header ".length())));
            } else if (title == null) {
              title = c;
            }
            continue;
          }
          if (t.startsWith("@") && t.contains("=")) {
            vars.put(t.substring(1, t.indexOf('=')).trim(), t.substring(t.indexOf('=') + 1).trim());
            continue;
          }
          String[] parts = t.split("\\s+");
          method = parts[0];
          url = parts[1];
          continue;
        }
        if (t.isEmpty()) {
          inBody = true;
          continue;
        }
        headers.add(header(t));
      }
      if (method != null) {
        if (expect == null) {
          throw new AssertionError(
              "request " + method + " " + url + " has no '# expect NNN' comment");
        }
        String b = body.toString().strip();
        out.add(
            new Example(
                title,
                name,
                expect,
                method,
                url,
                headers,
                b,
                expectBody,
                expectJson,
                expectHeaders));
      }
    }
    return out;
  }
}
