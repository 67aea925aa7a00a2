package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.config.OneHaulConfig;
import org.junit.jupiter.api.Test;

class SshTunnelTest {
    @Test
    void aTunnelNeverRidesTheCopiesSharedMasterConnection() {
        // ssh keeps the FIRST value of an option: ours must come before the operator's
        assertEquals("ssh -o ControlMaster=no -o ControlPath=none -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5"
                        + " -o ServerAliveCountMax=3 -o ControlMaster=auto -o ControlPath=~/.ssh/onehaul-%C -o ControlPersist=60",
                SshTunnel.withoutSharedConnection(OneHaulConfig.DEFAULT_TRANSFER_SSH));
        assertEquals("/usr/bin/ssh -o ControlMaster=no -o ControlPath=none", SshTunnel.withoutSharedConnection("/usr/bin/ssh"));
    }
}
