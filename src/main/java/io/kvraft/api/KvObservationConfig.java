package io.kvraft.api;

import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * Spring's per-request observation stays off {@code /kv} and {@code /sessions}: {@link
 * KvEndpointFilter} and {@link SessionEndpointFilter} answer those requests themselves and {@link
 * KvRequestMetrics} times them under the same metric name at a fraction of the cost.
 */
@Configuration
public class KvObservationConfig {
  @Bean
  ObservationPredicate skipKvRequests() {
    return (name, context) ->
        !(context instanceof ServerRequestObservationContext c
            && (KvEndpointFilter.isKvRequest(c.getCarrier())
                || SessionEndpointFilter.isSessionRequest(c.getCarrier())));
  }
}
