package io.kvraft.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * The RFC 9457 problem document that the servlet-filter endpoints ({@code /kv}, {@code /sessions},
 * {@code /raft/*}) write themselves, outside Spring MVC.
 */
public final class ProblemJson {
  private ProblemJson() {}

  /** An RFC 9457 problem document; {@code instance} is left out when null. */
  public static byte[] body(
      ObjectMapper json,
      HttpStatus status,
      String type,
      String title,
      String detail,
      String instance) {
    Map<String, Object> pd = new LinkedHashMap<>();
    pd.put("type", type);
    pd.put("title", title);
    pd.put("status", status.value());
    pd.put("detail", detail);
    if (instance != null) {
      pd.put("instance", instance);
    }
    try {
      return json.writeValueAsBytes(pd);
    } catch (JsonProcessingException impossible) {
      return ("{\"status\":" + status.value() + "}").getBytes(StandardCharsets.UTF_8);
    }
  }
}
