package io.kvraft.api.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.api.SessionEndpointFilter;
import io.kvraft.config.KvAuthProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Puts {@link KvAuthFilter} in front of {@code /kv}, {@code /kv/*} (which covers every key path)
 * and {@code /sessions} (registering a session needs write access, as a write does) when client
 * tokens are configured. A registration bean rather than a {@code @Component}: that would apply the
 * filter to every URL, the actuator and {@code /raft/*} included.
 */
@Configuration
public class KvAuthConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(KvAuthConfiguration.class);

  @Bean
  FilterRegistrationBean<KvAuthFilter> kvAuthFilter(KvAuthProperties auth, ObjectMapper json) {
    FilterRegistrationBean<KvAuthFilter> reg =
        new FilterRegistrationBean<>(new KvAuthFilter(auth, json));
    reg.setName("kvAuthFilter");
    reg.addUrlPatterns("/kv", "/kv/*", SessionEndpointFilter.URI);
    reg.setOrder(KvAuthFilter.ORDER);
    reg.setEnabled(auth.enabled());
    if (auth.enabled()) {
      LOG.info(
          "client auth on for /kv: {} read-write and {} read-only token(s)",
          auth.readWriteTokens().size(),
          auth.readOnlyTokens().size());
    }
    return reg;
  }
}
