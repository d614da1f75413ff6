package io.kvraft.linearizability;

/**
 * What the service answered. A get answers the value it read ("" when the key is absent, because
 * the model does not distinguish absent from empty); a put or append answers only an
 * acknowledgement.
 */
public sealed interface KvOutput {
  record Value(String value) implements KvOutput {
    public Value {
      if (value == null) {
        throw new IllegalArgumentException(
            "a read value is never null; use \"\" for an absent key");
      }
    }

    @Override
    public String toString() {
      return "'" + value + "'";
    }
  }

  record Ack() implements KvOutput {
    @Override
    public String toString() {
      return "ok";
    }
  }

  Ack ACK = new Ack();

  static KvOutput value(String value) {
    return new Value(value);
  }

  static KvOutput ack() {
    return ACK;
  }
}
