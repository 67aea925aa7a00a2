package io.onehaul.cli;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.log.LoggingSetup;
import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.cert.AttributeCertificateCodec;
import io.onehaul.policy.cert.CertificateFormatException;
import io.onehaul.policy.cert.CertificateReport;
import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.facts.CertificateBlob;
import io.onehaul.policy.facts.Codes;
import io.onehaul.policy.pca.Pca;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.bouncycastle.cert.X509CRLHolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onehaul pca ...}: the privacy certificate authority's operator commands. The PCA's directory
 * holds its private key: keep it off the front-end; the front-end only needs {@code pca.crt} and the
 * published {@code pca.crl}.
 */
@Command(name = "pca", mixinStandardHelpOptions = true,
        description = "Privacy certificate authority: create, issue, revoke, publish the CRL, verify",
        subcommands = {PcaCommand.Init.class, PcaCommand.IssueVm.class, PcaCommand.IssueHost.class,
                PcaCommand.Revoke.class, PcaCommand.PublishCrl.class, PcaCommand.Verify.class})
public final class PcaCommand implements Runnable {
    @Spec CommandSpec groupSpec;

    /** Without a subcommand: the usage, as a bad-input exit. */
    @Override
    public void run() {
        groupSpec.commandLine().usage(CliEnvironment.current().err());
        throw new ParameterException(groupSpec.commandLine(), "a subcommand is required");
    }

    /** Error handling and exit codes shared by the operator commands of the policy (pca, policy, audit). */
    abstract static class ToolCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        protected abstract int run(CliEnvironment io) throws Exception;

        @Override
        public final Integer call() {
            CliEnvironment io = CliEnvironment.current();
            String name = spec == null ? "onehaul" : spec.qualifiedName();
            quietLogging(io);
            try {
                return run(io);
            } catch (BadInputException | IllegalArgumentException | DateTimeParseException | CertificateFormatException e) {
                io.err().println(name + ": bad input: " + oneLine(e.getMessage()));
                return OneHaul.BAD_INPUT;
            } catch (OnedException e) {
                io.err().println(name + ": " + oneLine(e.getMessage()));
                return e.isNotFound() || e.kind() == OnedException.Kind.CONFIGURATION ? OneHaul.BAD_INPUT : OneHaul.FAILED;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                io.err().println(name + ": " + e.getFile() + ": " + e.getReason());
                return OneHaul.FAILED;
            } catch (java.nio.file.NoSuchFileException e) {
                io.err().println(name + ": no such file: " + e.getFile());
                return OneHaul.BAD_INPUT;
            } catch (Exception e) {
                io.err().println(name + ": " + oneLine(String.valueOf(e.getMessage() == null ? e : e.getMessage())));
                return OneHaul.FAILED;
            }
        }

        /** Library logging to stderr (INFO) and the log file only: stdout is for results (--json, base64). */
        private static void quietLogging(CliEnvironment io) {
            String logDir;
            try {
                logDir = OneHaulConfig.load(io.env()).logDir();
            } catch (RuntimeException e) {
                logDir = null; // the command itself reports a broken configuration
            }
            LoggingSetup.configure(logDir, false);
        }

        static String oneLine(String s) {
            return s == null ? "" : s.replaceAll("[\\r\\n]+", " ").strip();
        }

        static OneHaulConfig config(CliEnvironment io) {
            return OneHaulConfig.load(io.env());
        }
    }

    /** What the issuing commands share: the PCA, the validity window, the output form and the audit record. */
    abstract static class Issue extends ToolCommand {
        @Option(names = "--dir", required = true, description = "the PCA's directory") Path dir;
        @Option(names = "--days", defaultValue = "365", description = "validity in days (default ${DEFAULT-VALUE})")
        int days;
        @Option(names = "--not-before", description = "start of validity, ISO-8601 (default: now)") String notBefore;
        @Option(names = "--out", description = "also write the base64 certificate to this file") Path out;
        @Option(names = "--template", description = "print a template snippet for onevm/onehost update instead of bare base64")
        boolean template;
        @Option(names = "--audit-log", description = "append an audit record to this log") Path auditLog;

        protected abstract CertifiedAttributes attributes();

        protected abstract String snippet(CertifiedAttributes a, String base64);

        @Override
        protected int run(CliEnvironment io) throws Exception {
            if (days <= 0) {
                throw new IllegalArgumentException("--days must be positive");
            }
            Instant from = notBefore == null ? Instant.now() : Instant.parse(notBefore);
            Pca pca = Pca.open(dir);
            CertifiedAttributes a = attributes();
            X509AttributeCertificateHolder ac = pca.issue(a, from, from.plus(Duration.ofDays(days)));
            String b64 = Base64.getEncoder().encodeToString(ac.getEncoded());
            if (out != null) {
                Files.writeString(out, b64 + "\n");
            }
            io.out().println(template ? snippet(a, b64) : b64);
            io.err().println("issued serial " + ac.getSerialNumber() + " for " + a.subject() + ", valid "
                    + ac.getNotBefore().toInstant() + " .. " + ac.getNotAfter().toInstant());
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("event", "pca.issue");
            rec.put("serial", ac.getSerialNumber().toString());
            rec.put("subject", a.subject());
            rec.put("not_after", ac.getNotAfter().toInstant().toString());
            audit(auditLog, rec);
            return OneHaul.OK;
        }
    }

    static void audit(Path log, Map<String, Object> fields) throws IOException {
        if (log != null) {
            new AuditLog(log).append(fields, Instant.now());
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create a PCA: ECDSA P-256 key (0600) and self-signed CA certificate in --dir")
    static final class Init extends ToolCommand {
        @Option(names = "--dir", required = true, description = "directory to create the PCA in") Path dir;
        @Option(names = "--name", defaultValue = "CN=OneHaul PCA", description = "subject DN (default: ${DEFAULT-VALUE})")
        String name;
        @Option(names = "--days", defaultValue = "3650", description = "validity in days (default ${DEFAULT-VALUE})")
        int days;

        @Override
        protected int run(CliEnvironment io) throws Exception {
            if (days <= 0) {
                throw new IllegalArgumentException("--days must be positive");
            }
            Pca pca = Pca.init(dir, name, Duration.ofDays(days), Instant.now());
            io.out().println("PCA " + pca.certificate().getSubject() + " created in " + dir);
            io.out().println("trust anchor for the front-end (policy.trust_anchor): " + pca.certificateFile());
            return OneHaul.OK;
        }
    }

    @Command(name = "issue-vm", mixinStandardHelpOptions = true,
            description = "Issue a VM attribute certificate (bound to VM id, UUID and owner)")
    static final class IssueVm extends Issue {
        @Option(names = "--vm-id", required = true, description = "VM ID") int vmId;
        @Option(names = "--uuid", required = true, description = "the VM's TEMPLATE/OS/UUID (onevm show -x)")
        String uuid;
        @Option(names = "--owner", required = true, description = "the VM's owner (UNAME)") String owner;
        @Option(names = "--countries", required = true, description = "allowed ISO 3166-1 alpha-2 codes, e.g. ES,DE")
        String countries;
        @Option(names = "--organizations", defaultValue = "", description = "allowed organisation codes, or * for any")
        String organizations;

        @Override
        protected CertifiedAttributes attributes() {
            return new CertifiedAttributes.Vm(vmId, uuid, owner, Codes.parseList(countries), Codes.parseList(organizations));
        }

        @Override
        protected String snippet(CertifiedAttributes a, String b64) {
            CertifiedAttributes.Vm v = (CertifiedAttributes.Vm) a;
            // the whole vector: one.vm.update (even in merge mode) replaces REGULATION as a whole
            return "REGULATION = [ COUNTRIES = \"" + String.join(",", v.countries()) + "\", ORGANIZATIONS = \""
                    + String.join(",", v.organizations()) + "\", CERTIFICATE = \"" + b64 + "\" ]";
        }
    }

    @Command(name = "issue-host", mixinStandardHelpOptions = true,
            description = "Issue a host attribute certificate (bound to the host NAME)")
    static final class IssueHost extends Issue {
        @Option(names = "--host", required = true, description = "the host's NAME in OpenNebula") String host;
        @Option(names = "--country", required = true, description = "ISO 3166-1 alpha-2 code") String country;
        @Option(names = "--organizations", defaultValue = "", description = "organisation codes, e.g. ACME")
        String organizations;

        @Override
        protected CertifiedAttributes attributes() {
            return new CertifiedAttributes.Host(host, country, Codes.parseList(organizations));
        }

        @Override
        protected String snippet(CertifiedAttributes a, String b64) {
            CertifiedAttributes.Host h = (CertifiedAttributes.Host) a;
            return "COUNTRY = \"" + h.country() + "\"\nORGANIZATIONS = \"" + String.join(",", h.organizations())
                    + "\"\nPRIVACY_CERTIFICATE = \"" + b64 + "\"";
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a certificate by serial or file (takes effect with the next publish-crl)")
    static final class Revoke extends ToolCommand {
        @Option(names = "--dir", required = true, description = "the PCA's directory") Path dir;
        @Option(names = "--cert", description = "certificate file (base64, PEM or DER) instead of a serial") Path cert;
        @Parameters(arity = "0..1", paramLabel = "SERIAL", description = "serial number (decimal)") String serial;
        @Option(names = "--audit-log", description = "append an audit record to this log") Path auditLog;

        @Override
        protected int run(CliEnvironment io) throws Exception {
            if ((serial == null) == (cert == null)) {
                throw new IllegalArgumentException("give either a SERIAL or --cert FILE");
            }
            BigInteger s = cert != null
                    ? AttributeCertificateCodec.parse(certificateBytes(cert)).getSerialNumber() : parseSerial(serial);
            Pca pca = Pca.open(dir);
            boolean added = pca.revoke(s, Instant.now());
            io.out().println((added ? "revoked serial " : "serial already revoked: ") + s + " (" + pca.issuedSubject(s)
                    + "); run `onehaul pca publish-crl` and copy the CRL to the front-end");
            audit(auditLog, new LinkedHashMap<>(Map.of("event", "pca.revoke", "serial", s.toString())));
            return OneHaul.OK;
        }

        private static BigInteger parseSerial(String s) {
            try {
                BigInteger b = new BigInteger(s.strip());
                if (b.signum() <= 0) {
                    throw new IllegalArgumentException("serial must be positive: " + s);
                }
                return b;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("serial is not a decimal number: " + s);
            }
        }
    }

    @Command(name = "publish-crl", mixinStandardHelpOptions = true,
            description = "Sign and write the revocation list (default <dir>/pca.crl)")
    static final class PublishCrl extends ToolCommand {
        @Option(names = "--dir", required = true, description = "the PCA's directory") Path dir;
        @Option(names = "--days", defaultValue = "30", description = "until nextUpdate, in days (default ${DEFAULT-VALUE})")
        int days;
        @Option(names = "--out", description = "where to write it (default <dir>/pca.crl)") Path out;
        @Option(names = "--audit-log", description = "append an audit record to this log") Path auditLog;

        @Override
        protected int run(CliEnvironment io) throws IOException, GeneralSecurityException, CertificateFormatException {
            if (days <= 0) {
                throw new IllegalArgumentException("--days must be positive");
            }
            Pca pca = Pca.open(dir);
            Path target = out != null ? out : pca.defaultCrlFile();
            X509CRLHolder crl = pca.publishCrl(Instant.now(), Duration.ofDays(days), target);
            io.out().println("CRL with " + crl.getRevokedCertificates().size() + " revoked serial(s) written to " + target
                    + ", next update " + crl.getNextUpdate().toInstant());
            audit(auditLog, new LinkedHashMap<>(Map.of("event", "pca.publish_crl",
                    "revoked", crl.getRevokedCertificates().size(), "next_update", crl.getNextUpdate().toInstant().toString())));
            return OneHaul.OK;
        }
    }

    /** The DER of a certificate file holding base64 (optionally PEM-armoured) or DER. */
    static byte[] certificateBytes(Path file) throws IOException {
        CertificateBlob blob = CertificateBlob.fromFileContent(Files.readAllBytes(file));
        if (!blob.isPresent()) {
            throw new IllegalArgumentException(file + ": " + blob.problem());
        }
        return blob.der();
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Verify and explain an attribute certificate against the PCA and its CRL")
    static final class Verify extends ToolCommand {
        @Option(names = "--dir", description = "take pca.crt and pca.crl from this PCA directory") Path dir;
        @Option(names = "--trust-anchor", description = "PCA certificate (default: policy.trust_anchor)") Path anchor;
        @Option(names = "--crl", description = "revocation list (default: <dir>/pca.crl or policy.crl)") Path crl;
        @Parameters(index = "0", paramLabel = "FILE", description = "the certificate: base64, PEM or DER; - for stdin") String file;

        @Override
        protected int run(CliEnvironment io) throws IOException {
            byte[] content = "-".equals(file) ? io.in().readAllBytes() : Files.readAllBytes(Path.of(file));
            OneHaulConfig config = config(io);
            Path a = anchor != null ? anchor : dir != null ? dir.resolve("pca.crt") : config.policyTrustAnchor();
            Path c = crl != null ? crl : dir != null ? dir.resolve("pca.crl") : config.policyCrl();
            Duration skew = config.policyClockSkew();
            CertificateReport.Report r = CertificateReport.explain(CertificateBlob.fromFileContent(content),
                    TrustMaterial.load(a, c), Instant.now(), skew);
            io.out().print(r.text());
            return r.valid() ? OneHaul.OK : OneHaul.FAILED;
        }
    }
}
