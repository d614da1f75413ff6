package io.kvraft;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class KvraftApplication {
  public static void main(String[] args) {
    SpringApplication.run(KvraftApplication.class, args);
  }
}
