package io.onehaul.tm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.testsupport.Fixtures;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every argv word of every onehaul TM action is checked before a host is touched (reference §4.2). */
class TmArgsTest {
    static final String S = "/var/lib/one/datastores";
    static final TmArgs ARGS = new TmArgs(S, "vm"::equals);

    static void parse(String action, List<String> argv) {
        switch (action) {
            case "premigrate", "postmigrate", "failmigrate" -> ARGS.migrate(action, argv);
            case "mv" -> ARGS.move(argv);
            case "delete" -> ARGS.delete(argv);
            case "context" -> ARGS.context(argv);
            case "mkimage" -> ARGS.mkimage(argv);
            case "mkswap" -> ARGS.mkswap(argv);
            case "clone", "ln" -> ARGS.clone(action, argv);
            default -> throw new IllegalArgumentException(action);
        }
    }

    @Test
    void every_tm_call_a_real_oned_made_is_accepted() {
        List<Fixtures.Call> calls = Fixtures.calls().stream().filter(c -> c.driver().equals("tm")).toList();
        assertTrue(calls.size() > 30, "the recording holds the TM calls");
        for (Fixtures.Call c : calls) {
            parse(c.action(), c.argv());
        }
    }

    @Test
    void the_recorded_clone_source_on_the_front_end_is_recognised() {
        TmArgs.Clone c = ARGS.clone("clone", List.of("vm:" + S + "/101/53a69e224b75b78aa9019d55e1ce382f",
                "h1:" + S + "/100/3/disk.0", "3", "101"));
        assertTrue(c.sourceOnFrontend());
        assertEquals("h1", c.host());
        assertEquals("disk.0", c.disk().disk());
    }

    @Test
    void doubled_slashes_of_a_self_contained_install_are_collapsed_like_fix_dir_slashes() {
        TmArgs.Delete d = ARGS.delete(List.of("h1:/var/lib/one//datastores/102/3/", "3", "102"));
        assertEquals(S + "/102/3", d.target().path());
        assertTrue(d.target().isVmFolder());
    }

    @Test
    void the_migrate_steps_take_an_optional_sixth_word_naming_the_calling_system_tm() {
        TmArgs.Migrate m = ARGS.migrate("premigrate", List.of("h1", "h2", S + "/100/3", "3", "100", "ssh"));
        assertTrue(m.fromOtherTm());
        assertFalse(ARGS.migrate("premigrate", List.of("h1", "h1", S + "/102/3", "3", "102")).fromOtherTm());
    }

    @Test
    void context_takes_the_last_three_words_and_every_word_before_is_a_front_end_file() {
        TmArgs.Context c = ARGS.context(List.of("/var/lib/one/vms/3/context.sh", S + "/2/abc:'my key.pub'",
                S + "/2/def", "h1:" + S + "/100/3/disk.2", "3", "100"));
        assertEquals(List.of(new TmArgs.ContextFile("/var/lib/one/vms/3/context.sh", "context.sh"),
                new TmArgs.ContextFile(S + "/2/abc", "my_key.pub"), new TmArgs.ContextFile(S + "/2/def", "def")), c.files());
        assertEquals("disk.2", c.disk().disk());
    }

    @Test
    void mkimage_accepts_raw_and_ext4_and_mkswap_takes_no_format() {
        assertEquals("raw", ARGS.mkimage(List.of("16", "raw", "h1:" + S + "/100/3/disk.1", "3", "100")).format());
        assertEquals("ext4", ARGS.mkimage(List.of("16", "EXT4", "h1:" + S + "/100/3/disk.1", "3", "100")).format());
        assertEquals(512, ARGS.mkswap(List.of("512", "h1:" + S + "/100/3/disk.3", "3", "100")).sizeMb());
    }

    static Stream<Arguments> refused() {
        String dir = S + "/100/3";
        return Stream.of(
                // wrong count
                Arguments.of("mv", List.of("h1:" + dir, "h2:" + dir, "3"), "expects 4 arguments"),
                Arguments.of("delete", List.of("h1:" + dir, "3", "100", "x"), "expects 3 arguments"),
                Arguments.of("context", List.of("h1:" + dir + "/disk.2", "3", "100"), "at least 4"),
                Arguments.of("mkimage", List.of("16", "h1:" + dir + "/disk.1", "3", "100"), "expects 5 arguments"),
                Arguments.of("mkswap", List.of("16", "raw", "h1:" + dir + "/disk.1", "3", "100"), "expects 4 arguments"),
                Arguments.of("clone", List.of("vm:/img", "h1:" + dir + "/disk.0", "3"), "expects 4 arguments"),
                Arguments.of("premigrate", List.of("h1", "h2", dir, "3"), "expects 5 or 6 arguments"),
                // not host:path, bad host
                Arguments.of("delete", List.of(dir, "3", "100"), "is not host:path"),
                Arguments.of("delete", List.of(":" + dir, "3", "100"), "is not host:path"),
                Arguments.of("delete", List.of("-oProxyCommand=x:" + dir, "3", "100"), "not a valid host name"),
                Arguments.of("mv", List.of("h1;reboot:" + dir, "h2:" + dir, "3", "100"), "not a valid host name"),
                Arguments.of("premigrate", List.of("h1", "h2 h3", dir, "3", "100"), "not a valid host name"),
                // relative, traversal, outside the datastore, shell characters
                Arguments.of("delete", List.of("h1:var/lib/one/datastores/100/3", "3", "100"), "plain absolute path"),
                Arguments.of("delete", List.of("h1:" + S + "/100/3/../4", "3", "100"), "plain absolute path"),
                Arguments.of("delete", List.of("h1:" + S + "/100/./3", "3", "100"), "'.' or '..'"),
                Arguments.of("delete", List.of("h1:/etc", "3", "100"), "not under the datastore location"),
                Arguments.of("delete", List.of("h1:" + S + "/100", "3", "100"), "is not " + S + "/<datastore>/<vmid>"),
                Arguments.of("delete", List.of("h1:" + S + "/100/3/checkpoint", "3", "100"), "does not name a disk"),
                Arguments.of("delete", List.of("h1:" + S + "/100/3 /x", "3", "100"), "plain absolute path"),
                Arguments.of("delete", List.of("h1:" + S + "/100/3$(id)", "3", "100"), "plain absolute path"),
                Arguments.of("mv", List.of("h1:" + dir, "h2:/tmp/3", "3", "100"), "not under the datastore location"),
                Arguments.of("premigrate", List.of("h1", "h2", "relative/100/3", "3", "100"), "plain absolute path"),
                Arguments.of("context", List.of("ctx.sh", "h1:" + dir + "/disk.2", "3", "100"), "plain absolute path"),
                Arguments.of("context", List.of("/a/../etc/shadow", "h1:" + dir + "/disk.2", "3", "100"), "plain absolute path"),
                Arguments.of("context", List.of("/f:..", "h1:" + dir + "/disk.2", "3", "100"), "not a usable file name"),
                Arguments.of("context", List.of("http://x/f", "h1:" + dir + "/disk.2", "3", "100"), "is a URL"),
                Arguments.of("clone", List.of("h2:/etc/shadow", "h1:" + dir + "/disk.0", "3", "1"), "not under the datastore"),
                Arguments.of("clone", List.of("vm:img", "h1:" + dir + "/disk.0", "3", "1"), "plain absolute path"),
                // another VM's folder, wrong datastore, folder vs disk
                Arguments.of("delete", List.of("h1:" + S + "/100/4", "3", "100"), "folder of VM 4"),
                Arguments.of("delete", List.of("h1:" + dir, "3", "101"), "VM folder in datastore 101"),
                Arguments.of("premigrate", List.of("h1", "h2", S + "/100/3", "3", "102"), "datastore 102"),
                Arguments.of("premigrate", List.of("h1", "h2", dir + "/disk.0", "3", "100"), "must be the VM folder"),
                Arguments.of("mv", List.of("h1:" + dir, "h2:" + dir + "/disk.0", "3", "100"), "mv moves a VM folder"),
                Arguments.of("mv", List.of("h1:" + dir + "/disk.0", "h2:" + dir + "/disk.1", "3", "100"), "mv moves"),
                Arguments.of("mkimage", List.of("16", "raw", "h1:" + dir, "3", "100"), "must name a disk"),
                Arguments.of("mkimage", List.of("16", "raw", "h1:" + dir + "/disk.1", "3", "101"), "not in system datastore"),
                Arguments.of("context", List.of("/c.sh", "h1:" + dir, "3", "100"), "must name a disk"),
                // numbers and formats
                Arguments.of("delete", List.of("h1:" + dir, "-3", "100"), "VM id"),
                Arguments.of("delete", List.of("h1:" + dir, "3", "x"), "datastore id"),
                Arguments.of("mkimage", List.of("0", "raw", "h1:" + dir + "/disk.1", "3", "100"), "size"),
                Arguments.of("mkimage", List.of("16G", "raw", "h1:" + dir + "/disk.1", "3", "100"), "size"),
                Arguments.of("mkimage", List.of("16", "qcow2", "h1:" + dir + "/disk.1", "3", "100"), "qcow2"),
                Arguments.of("premigrate", List.of("h1", "h2", dir, "3", "100", "Bad TM"), "not a TM name"));
    }

    @ParameterizedTest(name = "{0} {1} is refused: {2}")
    @MethodSource("refused")
    void bad_argv_is_refused_as_bad_input_with_a_reason(String action, List<String> argv, String reason) {
        BadInputException e = assertThrows(BadInputException.class, () -> parse(action, argv));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void a_path_only_sharing_a_prefix_with_the_datastore_location_is_outside_it() {
        Consumer<String> refused = p -> assertThrows(BadInputException.class,
                () -> ARGS.delete(List.of("h1:" + p, "3", "100")));
        refused.accept("/var/lib/one/datastores2/100/3");
        refused.accept("/var/lib/one/datastore/100/3");
    }
}
