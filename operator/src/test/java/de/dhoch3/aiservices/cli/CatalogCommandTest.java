package de.dhoch3.aiservices.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `catalog` shows every app's translation, also for apps that need the studio's own image. */
class CatalogCommandTest {
  @Test
  void everyAppIsShownAndAppsWithoutAPublicImageSayWhatTheirImageNeeds() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute("catalog");
    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .containsPattern("(?m)^forge\\s+\\(spec\\.image\\)")
        .containsPattern("(?m)^fluxgym\\s+\\(spec\\.image\\)")
        .contains("fluxgym: shared store -> app").contains("sd-scripts")
        .contains("/app/fluxgym/models/vae/ae.sft")
        .containsPattern("(?m)^comfyui\\s+yanwk/comfyui-boot:cu126-megapak");
  }
}
