package io.kvraft.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed key pair for 127.0.0.1/localhost made at test time with the JDK's own keytool, and
 * a trust store holding its certificate: the same two commands the README gives operators.
 */
public record TestCertificates(Path keyStore, Path trustStore, String password) {

  public static TestCertificates create(Path dir) throws IOException, InterruptedException {
    String pw = "changeit";
    Path ks = dir.resolve("node.p12");
    Path cert = dir.resolve("node.crt");
    Path ts = dir.resolve("trust.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "kvraft",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-validity",
        "2",
        "-dname",
        "CN=kvraft-test",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        ks.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        pw,
        "-keypass",
        pw);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "kvraft",
        "-keystore",
        ks.toString(),
        "-storepass",
        pw,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "kvraft",
        "-file",
        cert.toString(),
        "-keystore",
        ts.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        pw);
    return new TestCertificates(ks, ts, pw);
  }

  public TrustStore trust() {
    return TrustStore.load(trustStore, password, "PKCS12");
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
