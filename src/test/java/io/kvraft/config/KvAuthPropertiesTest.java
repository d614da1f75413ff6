package io.kvraft.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * kv.auth.* as Spring binds it from properties or environment variables such as compose's empty
 * defaults.
 */
class KvAuthPropertiesTest {
  private static KvAuthProperties bind(Map<String, String> props) {
    return new Binder(new MapConfigurationPropertySource(props))
        .bindOrCreate("kv.auth", KvAuthProperties.class);
  }

  @Test
  void offWhenNothingOrOnlyEmptyValuesAreGiven() {
    assertThat(bind(Map.of()).enabled()).isFalse();
    KvAuthProperties empty =
        bind(Map.of("kv.auth.read-write-tokens", "", "kv.auth.read-only-tokens", " , "));
    assertThat(empty.enabled()).isFalse();
    assertThat(empty.readWriteTokens()).isEmpty();
    assertThat(empty.readOnlyTokens()).isEmpty();
  }

  @Test
  void commaSeparatedListsAreTrimmed() {
    KvAuthProperties p =
        bind(Map.of("kv.auth.read-write-tokens", " a1 ,b2,", "kv.auth.read-only-tokens", "r"));
    assertThat(p.enabled()).isTrue();
    assertThat(p.readWriteTokens()).containsExactly("a1", "b2");
    assertThat(p.readOnlyTokens()).containsExactly("r");
  }

  @Test
  void aTokenWithTwoRolesIsRefusedAtStart() {
    assertThatThrownBy(
            () -> bind(Map.of("kv.auth.read-write-tokens", "x,y", "kv.auth.read-only-tokens", "y")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("both");
  }
}
