package io.kvraft.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of design §2, enforced: the consensus core stays pure and deterministic. */
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
            "io.kvraft.web..")
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
        .resideInAnyPackage("org.springframework..", "io.kvraft.web..", "jakarta.servlet..")
        .check(classes);
  }
}
