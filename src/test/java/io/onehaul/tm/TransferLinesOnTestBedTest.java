package io.onehaul.tm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer-file lines of the onehaul TM (mv, delete, context, mkimage, mkswap, clone, ln) on the
 * namespaced test bed, each run the way one_tm runs it, with the argv shapes a real oned writes.
 */
@Tag("testbed")
class TransferLinesOnTestBedTest extends TmOnTestBed {
    @TempDir Path work;

    @BeforeEach
    void up() {
        bed(work);
    }

    @AfterEach
    void scrub() {
        scrubAll();
    }

    Proc.Result mvFolder(TestVm vm, String from, String to) {
        String d = vm.sysdir();
        return oned.line("mv", from + ":" + d, to + ":" + d, "" + vm.id(), "" + vm.datastoreId());
    }

    @Test
    void mv_moves_a_vm_folder_from_h1_to_h2_identically_sparse_and_removes_the_source() {
        TestVm vm = newVm("h1", 100);
        fillFolder(vm);
        String before = tree("h1", vm.sysdir());

        // oned writes a line per disk first (image DS id for image disks): they move with the folder line
        assertOk(oned.line("mv", "h1:" + vm.sysdir() + "/disk.0", "h2:" + vm.sysdir() + "/disk.0", "" + vm.id(), "101"));
        assertTrue(exists("h1", vm.sysdir() + "/disk.0"), "a disk line moves nothing by itself");
        assertFalse(exists("h2", vm.sysdir()));

        Proc.Result r = mvFolder(vm, "h1", "h2");
        assertOk(r);
        assertEquals(before, tree("h2", vm.sysdir()), "content, modes, owners, links identical");
        assertSparse("h2", vm.sysdir() + "/disk.0");
        assertFalse(exists("h1", vm.sysdir()), "the source folder is removed");
        assertTrue(r.stderr().contains("INFO: " + vm.id() + " "), "operator lines reach the VM log: " + r.stderr());
    }

    @Test
    void mv_retried_after_success_succeeds_and_changes_nothing() {
        TestVm vm = newVm("h1", 100);
        fillFolder(vm);
        assertOk(mvFolder(vm, "h1", "h2"));
        String moved = tree("h2", vm.sysdir());

        Proc.Result again = mvFolder(vm, "h1", "h2");
        assertOk(again);
        assertTrue(again.stderr().contains("moved by an earlier run"), again.stderr());
        assertEquals(moved, tree("h2", vm.sysdir()));
    }

    @Test
    void mv_of_a_half_done_move_copies_what_is_missing_and_finishes() {
        TestVm vm = newVm("h1", 100);
        fillFolder(vm);
        String before = tree("h1", vm.sysdir());
        // an earlier run died mid-copy: part of the folder is on h2, the source is whole
        tb.execOk("h2", "mkdir -p " + vm.sysdir() + "/disk.1 && echo stale > " + vm.sysdir() + "/disk.1/leftover");
        assertOk(mvFolder(vm, "h1", "h2"));
        assertEquals(before, tree("h2", vm.sysdir()), "the destination mirrors the source, strays removed");
        assertFalse(exists("h1", vm.sysdir()));
    }

    @Test
    void mv_between_datastores_on_one_host_moves_the_folder_locally() {
        TestVm vm = newVm("h1", 100);
        TestVm moved = same(vm.onHost("h1", 102, 2));
        fillFolder(vm);
        String before = tree("h1", vm.sysdir());
        assertOk(oned.line("mv", "h1:" + vm.sysdir(), "h1:" + moved.sysdir(), "" + vm.id(), "102"));
        assertEquals(before, tree("h1", moved.sysdir()));
        assertFalse(exists("h1", vm.sysdir()));
    }

    @Test
    void mv_is_refused_while_the_container_runs_on_the_source_and_nothing_moves() throws Exception {
        TestVm vm = deploy(newVmWithRoot("h1"));
        Proc.Result r = mvFolder(vm, "h1", "h2");
        assertFailedWith(r, 1, "refusing to move", vm.sysdir(), "one-" + vm.id(), "RUNNING");
        assertFalse(exists("h2", vm.sysdir()), "nothing was copied");
        assertTrue(exists("h1", vm.sysdir() + "/disk.0"));
        CounterContainer.advancing(tb, "h1", vm);
    }

    @Test
    void delete_removes_a_disk_then_the_folder_and_succeeds_when_already_gone() {
        TestVm vm = newVm("h1", 100);
        fillFolder(vm);
        String id = "" + vm.id();
        assertOk(oned.line("delete", "h1:" + vm.sysdir() + "/disk.1", id, "101"));
        assertFalse(exists("h1", vm.sysdir() + "/disk.1"));
        assertTrue(exists("h1", vm.sysdir() + "/disk.0"));
        assertOk(oned.line("delete", "h1:" + vm.sysdir(), id, "100"));
        assertFalse(exists("h1", vm.sysdir()));
        assertOk(oned.line("delete", "h1:" + vm.sysdir(), id, "100"));
    }

    @Test
    void delete_is_refused_while_the_container_runs_from_the_folder() throws Exception {
        TestVm vm = deploy(newVmWithRoot("h1"));
        assertFailedWith(oned.line("delete", "h1:" + vm.sysdir(), "" + vm.id(), "100"), 1, "refusing to delete",
                "RUNNING");
        assertFailedWith(oned.line("delete", "h1:" + vm.sysdir() + "/disk.0", "" + vm.id(), "101"), 1, "RUNNING");
        assertTrue(exists("h1", vm.sysdir() + "/disk.0"));
        CounterContainer.advancing(tb, "h1", vm);
    }

    @Test
    void bad_input_on_a_real_line_is_exit_2_and_the_folder_stays() {
        TestVm vm = newVm("h1", 100);
        fillFolder(vm);
        String before = tree("h1", vm.sysdir());
        assertFailedWith(oned.line("delete", "h1:" + vm.sysdir() + "/../" + vm.id(), "" + vm.id(), "100"), 2,
                "bad input");
        assertFailedWith(oned.line("delete", "h1:" + S + "/100", "" + vm.id(), "100"), 2, "bad input");
        assertFailedWith(oned.line("mv", "h1:" + vm.sysdir(), "h2:/tmp/" + vm.id(), "" + vm.id(), "100"), 2,
                "not under the datastore location");
        assertEquals(before, tree("h1", vm.sysdir()));
        assertFalse(exists("h2", "/tmp/" + vm.id()));
    }

    @Test
    void context_writes_a_folder_that_the_deployed_container_sees_at_slash_context() throws Exception {
        TestVm vm = newVmWithRoot("h1");
        Path ctx = Files.writeString(work.resolve("context.sh"), "# Context variables\nONEHAUL_CTX='tm-" + vm.id() + "'\n");
        Path extra = Files.writeString(work.resolve("f1"), "extra file\n");
        String disk = "h1:" + vm.sysdir() + "/disk.2";
        assertOk(oned.line("context", ctx.toString(), extra + ":'greeting.txt'", disk, "" + vm.id(), "100"));
        assertEquals("context.sh\ngreeting.txt", tb.execOk("h1", "ls " + vm.sysdir() + "/disk.2").stdout().strip());

        TestVm running = deploy(vm);
        String pid = tb.execOk("h1", "lxc-info -n one-" + vm.id() + " -p -H").stdout().strip();
        assertEquals(Files.readString(ctx), tb.execOk("h1", "cat /proc/" + pid + "/root/context/context.sh").stdout());
        assertEquals("extra file\n", tb.execOk("h1", "cat /proc/" + pid + "/root/context/greeting.txt").stdout());
        assertTrue(tb.execOk("h1", "cat /var/lib/lxc/one-" + vm.id() + "/config").stdout()
                .contains("lxc.mount.entry = " + vm.sysdir() + "/disk.2 context none ro,bind"));

        // a later context step (resume, boot after migration) updates the mounted folder in place
        Files.writeString(ctx, "ONEHAUL_CTX='second'\n");
        assertOk(oned.line("context", ctx.toString(), disk, "" + vm.id(), "100"));
        assertEquals("ONEHAUL_CTX='second'\n", tb.execOk("h1", "cat /proc/" + pid + "/root/context/context.sh").stdout());
        assertFalse(exists("h1", vm.sysdir() + "/disk.2/greeting.txt"), "files no longer listed are removed");
        CounterContainer.advancing(tb, "h1", running);
    }

    @Test
    void mkimage_makes_a_sparse_mountable_ext4_image_and_mkswap_a_swap_file() {
        TestVm vm = newVm("h1", 100);
        String img = vm.sysdir() + "/disk.1";
        assertOk(oned.line("mkimage", "32", "raw", "h1:" + img, "" + vm.id(), "100"));
        assertEquals("33554432", tb.execOk("h1", "stat -c %s " + img).stdout().strip());
        assertSparse("h1", img);
        tb.execOk("h1", "m=$(mktemp -d) && mount -o loop " + img + " $m && test -d $m/lost+found && umount $m && rmdir $m");

        String swap = vm.sysdir() + "/disk.3";
        assertOk(oned.line("mkswap", "16", "h1:" + swap, "" + vm.id(), "100"));
        assertEquals("swap", tb.execOk("h1", "blkid -o value -s TYPE " + swap).stdout().strip());
        assertFalse(tb.execOk("h1", "ls -a " + vm.sysdir()).stdout().contains("onehaul-new"), "no temporary left");
    }

    @Test
    void clone_and_ln_copy_an_image_from_the_front_end_sparse_and_a_retry_converges() throws Exception {
        TestVm vm = newVm("h1", 100);
        Path image = work.resolve("image.ext4");
        tb.buildImage(true, image);
        String fe = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        String sum = Proc.sh("sha256sum " + image + " | cut -d' ' -f1", 30).stdout().strip();

        for (String action : new String[] {"clone", "ln"}) {
            String disk = vm.sysdir() + (action.equals("clone") ? "/disk.0" : "/disk.4");
            assertOk(oned.line(action, fe + ":" + image, "h1:" + disk, "" + vm.id(), "1"));
            assertEquals(sum, tb.execOk("h1", "sha256sum " + disk + " | cut -d' ' -f1").stdout().strip());
            assertSparse("h1", disk);
            assertOk(oned.line(action, fe + ":" + image, "h1:" + disk, "" + vm.id(), "1"));
        }
        assertFailedWith(oned.line("clone", fe + ":" + work.resolve("missing.img"), "h1:" + vm.sysdir() + "/disk.5",
                "" + vm.id(), "1"), 1, "does not exist on the front-end");
    }

    @Test
    void clone_from_an_image_on_another_host_copies_host_to_host() {
        TestVm vm = newVm("h1", 100);
        TestVm image = newVm("h2", 1);
        tb.execOk("h2", "mkdir -p " + image.sysdir() + " && truncate -s 8M " + image.sysdir() + "/img"
                + " && echo payload | dd of=" + image.sysdir() + "/img conv=notrunc 2>/dev/null");
        assertOk(oned.line("clone", "h2:" + image.sysdir() + "/img", "h1:" + vm.sysdir() + "/disk.0", "" + vm.id(), "1"));
        assertEquals(tb.execOk("h2", "sha256sum < " + image.sysdir() + "/img").stdout(),
                tb.execOk("h1", "sha256sum < " + vm.sysdir() + "/disk.0").stdout());
        assertSparse("h1", vm.sysdir() + "/disk.0");
    }

    TestVm newVmWithRoot(String host) {
        TestVm vm = newVm(host, 100);
        CounterContainer.placeRootDisk(tb, vm, true);
        return vm;
    }
}
