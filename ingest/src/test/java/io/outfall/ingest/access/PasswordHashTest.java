package io.outfall.ingest.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PasswordHashTest {
  @Test
  void aSecretNeverBeginsWithAHyphenSoNoCommandLineTakesItForAnOption() {
    // Without the redraw one secret in 64 begins with '-': among 5,000 about 78 would, and the
    // chance that none does is (63/64)^5000, about 1e-34.
    Set<String> secrets = new HashSet<>();
    for (int i = 0; i < 5_000; i++) secrets.add(PasswordHash.newSecret());
    assertThat(secrets).hasSize(5_000).noneMatch(s -> s.startsWith("-"));
    assertThat(secrets).allMatch(s -> s.length() == 43 && s.matches("[A-Za-z0-9_-]+"));
  }

  @Test
  void aPasswordVerifiesAgainstItsOwnHashOnly() {
    String hash = PasswordHash.hash("-starts-with-a-hyphen", 1_000);
    assertThat(PasswordHash.verify("-starts-with-a-hyphen", hash)).isTrue();
    assertThat(PasswordHash.verify("starts-with-a-hyphen", hash)).isFalse();
    assertThat(PasswordHash.verify("-starts-with-a-hyphen", "$7$1000$bad")).isFalse();
  }
}
