package io.onehaul.hooks;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.oned.OnedClient;
import io.onehaul.oned.OnedEndpoint;
import io.onehaul.policy.audit.AuditLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * What a hook run works with: the settings, oned (found the way the OpenNebula tools find it: onehem
 * runs hooks as oneadmin, whose ~/.one/one_auth holds the session), the policy and the audit log. oned
 * and the trust material are only opened when first needed, so a run that stops early touches neither.
 */
public final class HookContext {
    private final OneHaulConfig config;
    private final Map<String, String> env;
    private final Clock clock;
    private OnedClient oned;
    private PolicyJudge judge;

    public HookContext(OneHaulConfig config, Map<String, String> env, Clock clock) {
        this.config = config;
        this.env = env;
        this.clock = clock;
    }

    public OneHaulConfig config() {
        return config;
    }

    public OnedClient oned() {
        if (oned == null) {
            String home = env.getOrDefault("HOME", System.getProperty("user.home", ""));
            oned = new OnedClient(OnedEndpoint.discover(null, null, env, home.isBlank() ? null : Path.of(home)));
        }
        return oned;
    }

    public PolicyJudge judge() {
        if (judge == null) {
            judge = PolicyJudge.from(config);
        }
        return judge;
    }

    public Instant now() {
        return clock.instant();
    }

    /** Appends one record; the caller decides what an unwritable log means for the run. */
    public void audit(Map<String, ?> fields) throws IOException {
        new AuditLog(config.auditLog()).append(fields, now());
    }

    public Path auditPath() {
        return config.auditLog();
    }
}
