package io.onehaul.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's PCA workflow end to end through {@code onehaul pca ...}: create, issue, verify, revoke,
 * publish the CRL, and verify again — which now says revoked.
 */
class PcaCliTest {
    @TempDir Path tmp;

    private CliRun onehaul(String... args) {
        // no ONEHAUL_CONF: the defaults apply, and nothing here reads /etc
        return CliRun.run(Map.of("HOME", tmp.toString()), args);
    }

    @Test
    void initIssueVerifyRevokePublishVerify() throws Exception {
        String dir = tmp.resolve("pca").toString();
        String audit = tmp.resolve("audit.jsonl").toString();

        CliRun init = onehaul("pca", "init", "--dir", dir, "--name", "CN=Example PCA,O=Example");
        assertEquals(0, init.exit(), init.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(dir, "pca.key"))));
        assertTrue(Files.readString(Path.of(dir, "pca.crt")).startsWith("-----BEGIN CERTIFICATE-----"));

        CliRun again = onehaul("pca", "init", "--dir", dir);
        assertEquals(1, again.exit(), "an existing PCA is never overwritten: " + again);

        Path vmCert = tmp.resolve("vm4.b64");
        CliRun vm = onehaul("pca", "issue-vm", "--dir", dir, "--vm-id", "4", "--uuid", TestPki.VM_UUID, "--owner", "oneadmin",
                "--countries", "es,DE", "--organizations", "ACME", "--out", vmCert.toString(), "--audit-log", audit);
        assertEquals(0, vm.exit(), vm.toString());
        assertTrue(Base64.getDecoder().decode(vm.out().strip()).length > 100, "stdout is the base64 certificate");
        assertTrue(vm.err().contains("issued serial 1 for vm/4/" + TestPki.VM_UUID), vm.toString());

        CliRun host = onehaul("pca", "issue-host", "--dir", dir, "--host", "h1", "--country", "ES", "--organizations", "ACME",
                "--template", "--audit-log", audit);
        assertEquals(0, host.exit(), host.toString());
        assertTrue(host.out().startsWith("COUNTRY = \"ES\"\nORGANIZATIONS = \"ACME\"\nPRIVACY_CERTIFICATE = \""), host.out());

        CliRun noCrl = onehaul("pca", "verify", "--dir", dir, vmCert.toString());
        assertEquals(1, noCrl.exit(), "without a CRL nothing is valid: " + noCrl);
        assertTrue(noCrl.out().contains("CRL_MISSING"), noCrl.toString());

        assertEquals(0, onehaul("pca", "publish-crl", "--dir", dir, "--audit-log", audit).exit());
        CliRun ok = onehaul("pca", "verify", "--dir", dir, vmCert.toString());
        assertEquals(0, ok.exit(), ok.toString());
        assertTrue(ok.out().contains("result: VALID"), ok.out());
        assertTrue(ok.out().contains("VM id=4 uuid=" + TestPki.VM_UUID + " owner=oneadmin countries=DE,ES organizations=ACME"), ok.out());
        assertTrue(ok.out().contains("issuer:      CN=Example PCA,O=Example"), ok.out());

        CliRun revoke = onehaul("pca", "revoke", "--dir", dir, "--cert", vmCert.toString(), "--audit-log", audit);
        assertEquals(0, revoke.exit(), revoke.toString());
        assertTrue(revoke.out().contains("revoked serial 1"), revoke.toString());
        assertEquals(0, onehaul("pca", "verify", "--dir", dir, vmCert.toString()).exit(),
                "a revocation takes effect when the CRL is published");

        assertEquals(0, onehaul("pca", "publish-crl", "--dir", dir, "--audit-log", audit).exit());
        CliRun revoked = onehaul("pca", "verify", "--dir", dir, vmCert.toString());
        assertEquals(1, revoked.exit(), revoked.toString());
        assertTrue(revoked.out().contains("REVOKED: serial 1 revoked at"), revoked.out());
        assertTrue(revoked.out().contains("result: INVALID"), revoked.out());

        CliRun trail = onehaul("audit", "verify", "--log", audit);
        assertEquals(0, trail.exit(), trail.toString());
        assertTrue(trail.out().contains("OK: 5 records"), trail.out());
    }

    @Test
    void verifyReadsPemDerOrStdinLikeFiles() throws Exception {
        String dir = tmp.resolve("pca").toString();
        onehaul("pca", "init", "--dir", dir);
        onehaul("pca", "publish-crl", "--dir", dir);
        CliRun host = onehaul("pca", "issue-host", "--dir", dir, "--host", "h1", "--country", "ES");
        byte[] der = Base64.getDecoder().decode(host.out().strip());
        Path derFile = Files.write(tmp.resolve("h1.der"), der);
        Path pemFile = Files.writeString(tmp.resolve("h1.pem"), io.onehaul.policy.cert.Pem.encode("ATTRIBUTE CERTIFICATE", der));
        assertEquals(0, onehaul("pca", "verify", "--dir", dir, derFile.toString()).exit());
        assertEquals(0, onehaul("pca", "verify", "--dir", dir, pemFile.toString()).exit());
        CliRun garbage = onehaul("pca", "verify", "--dir", dir, Files.writeString(tmp.resolve("junk"), "junk!").toString());
        assertEquals(1, garbage.exit());
        assertTrue(garbage.out().contains("MALFORMED"), garbage.out());
    }

    @Test
    void badAttributesAndUnknownSerialsAreBadInput() {
        String dir = tmp.resolve("pca").toString();
        onehaul("pca", "init", "--dir", dir);
        CliRun badCountry = onehaul("pca", "issue-vm", "--dir", dir, "--vm-id", "4", "--uuid", "u-1", "--owner", "o",
                "--countries", "ES,XX");
        assertEquals(2, badCountry.exit(), badCountry.toString());
        assertTrue(badCountry.err().contains("XX"), badCountry.toString());
        CliRun wildcardHost = onehaul("pca", "issue-host", "--dir", dir, "--host", "h1", "--country", "ES", "--organizations", "*");
        assertEquals(2, wildcardHost.exit(), wildcardHost.toString());
        CliRun unknown = onehaul("pca", "revoke", "--dir", dir, "99");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertEquals(2, onehaul("pca", "issue-host", "--dir", dir, "--host", "h1").exit(), "missing --country");
        assertEquals(2, onehaul("pca", "issue-host", "--dir", tmp.resolve("nopca").toString(), "--host", "h1",
                "--country", "ES").exit(), "no PCA there");
    }

    @Test
    void auditVerifyReportsTheFirstBrokenSeqAndExitsOne() throws Exception {
        Path log = tmp.resolve("a.jsonl");
        io.onehaul.policy.audit.AuditLog a = new io.onehaul.policy.audit.AuditLog(log);
        for (int i = 0; i < 3; i++) {
            a.append(Map.of("event", "e" + i), java.time.Instant.now());
        }
        Files.writeString(log, Files.readString(log).replace("\"e1\"", "\"ex\""));
        CliRun v = onehaul("audit", "verify", "--log", log.toString());
        assertEquals(1, v.exit(), v.toString());
        assertTrue(v.out().contains("BROKEN at seq 2"), v.out());
    }
}
