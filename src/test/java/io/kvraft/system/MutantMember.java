package io.kvraft.system;

import io.kvraft.KvraftApplication;
import io.kvraft.raft.log.RaftStorage;
import java.util.Arrays;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.SpringApplication;

/**
 * A kvraft member exactly as the jar runs it, except that its storage bean is wrapped in a {@link
 * StorageMutant}: {@code MutantMember <MUTANT> <application arguments>}. Started from the test
 * classpath by {@link KvraftCluster#withMainClass}, so no mutant is ever in the product.
 */
public final class MutantMember {
  private MutantMember() {}

  public static void main(String[] args) {
    StorageMutant mutant = StorageMutant.valueOf(args[0]);
    SpringApplication app = new SpringApplication(KvraftApplication.class);
    app.addInitializers(
        ctx ->
            ctx.getBeanFactory()
                .addBeanPostProcessor(
                    new BeanPostProcessor() {
                      @Override
                      public Object postProcessAfterInitialization(Object bean, String name) {
                        if (bean instanceof RaftStorage real) {
                          LoggerFactory.getLogger(MutantMember.class)
                              .warn("MUTANT {}: storage deliberately broken", mutant);
                          return mutant.wrap(real);
                        }
                        return bean;
                      }
                    }));
    app.run(Arrays.copyOfRange(args, 1, args.length));
  }
}
