package io.kvraft.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of design §2, enforced: the consensus core stays pure and deterministic, and the
 * HTTP side is split by audience (client API, peer endpoints, operations) over a small shared base.
 */
class ArchitectureTest {
  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.kvraft");

  @Test
  void raftCoreHasNoThreadsClocksIoOrFrameworks() {
    noClasses()
        .that()
        .resideInAPackage("io.kvraft.raft")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.springframework..",
            "java.io..",
            "java.nio..",
            "java.net..",
            "java.util.concurrent..",
            "java.time..",
            "okhttp3..",
            "com.fasterxml..",
            "io.kvraft.node..",
            "io.kvraft.transport..",
            "io.kvraft.kv..",
            "io.kvraft.web..",
            "io.kvraft.api..",
            "io.kvraft.ops..")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .dependOnClassesThat()
        .areAssignableTo(Thread.class)
        .check(classes);
  }

  @Test
  void stateMachineAndStorageDoNotKnowAboutHttpOrSpring() {
    noClasses()
        .that()
        .resideInAnyPackage("io.kvraft.kv..", "io.kvraft.raft..", "io.kvraft.node..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.springframework..",
            "io.kvraft.web..",
            "io.kvraft.api..",
            "io.kvraft.ops..",
            "io.kvraft.transport.endpoint..",
            "jakarta.servlet..")
        .check(classes);
  }

  /**
   * The sending side of the transport knows nothing of the servlet container or of who serves HTTP.
   */
  @Test
  void transportSendingSideDoesNotKnowAboutServlets() {
    noClasses()
        .that()
        .resideInAPackage("io.kvraft.transport")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "jakarta.servlet..",
            "io.kvraft.web..",
            "io.kvraft.api..",
            "io.kvraft.ops..",
            "io.kvraft.transport.endpoint..")
        .check(classes);
  }

  /** io.kvraft.web is the HTTP plumbing the audiences share; it serves none of them itself. */
  @Test
  void sharedWebBaseDependsOnNoAudience() {
    noClasses()
        .that()
        .resideInAPackage("io.kvraft.web..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.kvraft.api..", "io.kvraft.ops..", "io.kvraft.transport.endpoint..")
        .check(classes);
  }

  /**
   * Clients (api), peers (transport.endpoint) and operators (ops) are served apart, sharing only
   * io.kvraft.web.
   */
  @Test
  void clientPeerAndOperatorEndpointsDoNotDependOnEachOther() {
    noClasses()
        .that()
        .resideInAPackage("io.kvraft.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.kvraft.ops..", "io.kvraft.transport.endpoint..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.kvraft.transport.endpoint..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.kvraft.api..", "io.kvraft.ops..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.kvraft.ops..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.kvraft.api..", "io.kvraft.transport.endpoint..")
        .check(classes);
  }
}
