package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PingClientTest {
    @Test
    void the_largest_gap_is_between_two_replies_and_lost_requests_do_not_count_as_replies() {
        var g = PingClient.gaps(List.of(
                "PING 10.232.1.50 (10.232.1.50) 56(84) bytes of data.",
                "[1764470000.010000] 64 bytes from 10.232.1.50: icmp_seq=1 ttl=64 time=0.1 ms",
                "[1764470000.020000] 64 bytes from 10.232.1.50: icmp_seq=2 ttl=64 time=0.1 ms",
                "[1764470001.000000] no answer yet for icmp_seq=3",
                "[1764470001.520000] 64 bytes from 10.232.1.50: icmp_seq=90 ttl=64 time=0.1 ms",
                "[1764470001.530000] 64 bytes from 10.232.1.50: icmp_seq=91 ttl=64 time=0.1 ms"));
        assertEquals(4, g.replies());
        assertEquals(1.5, g.largestGapSeconds(), 1e-6);
        assertEquals(1764470000.02, g.gapStartsAt(), 1e-6);
    }
}
