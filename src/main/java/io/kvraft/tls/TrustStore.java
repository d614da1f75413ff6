package io.kvraft.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * The certificates an OkHttp client trusts for https:// URLs, loaded from a key store file (PKCS12
 * by default). Without one a client trusts what the JVM trusts (its cacerts, or {@code
 * javax.net.ssl.trustStore}), which is right for certificates from a public or corporate CA; a
 * trust store is for a cluster's own CA or self-signed certificate. Host names are still verified
 * against the certificate's subject alternative names.
 */
public final class TrustStore {
  public static final String DEFAULT_TYPE = "PKCS12";

  private final SSLSocketFactory socketFactory;
  private final X509TrustManager trustManager;

  private TrustStore(SSLSocketFactory socketFactory, X509TrustManager trustManager) {
    this.socketFactory = socketFactory;
    this.trustManager = trustManager;
  }

  /**
   * @param password null or empty for a store without one
   * @param type key store type; null means PKCS12
   * @throws IllegalArgumentException when the file cannot be read or is not a trust store of that
   *     type, naming it
   */
  public static TrustStore load(Path file, String password, String type) {
    String storeType = type == null || type.isBlank() ? DEFAULT_TYPE : type;
    char[] pw = password == null ? new char[0] : password.toCharArray();
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance(storeType);
      ks.load(in, pw);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager tm =
          Arrays.stream(tmf.getTrustManagers())
              .filter(X509TrustManager.class::isInstance)
              .map(X509TrustManager.class::cast)
              .findFirst()
              .orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {tm}, null);
      return new TrustStore(ctx.getSocketFactory(), tm);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot load trust store " + file.toAbsolutePath() + " (type " + storeType + "): " + e,
          e);
    } finally {
      Arrays.fill(pw, '\0');
    }
  }

  /**
   * Makes the client trust exactly this store's certificates; a null store leaves the JVM's
   * defaults.
   */
  public static OkHttpClient.Builder apply(TrustStore store, OkHttpClient.Builder builder) {
    return store == null
        ? builder
        : builder.sslSocketFactory(store.socketFactory, store.trustManager);
  }

  /** Loads the store when a file is named, else null (trust the JVM's defaults). */
  public static TrustStore loadIfSet(String file, String password, String type) {
    if (file == null || file.isBlank()) {
      return null;
    }
    return load(Path.of(file), password, type);
  }
}
