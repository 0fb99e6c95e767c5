#!/usr/bin/env python3
"""Unit test of report.py (make qemu-ci): the transcript comparison, failure
detection, stress and self-check verdicts, and the last line, on small
canned consoles.  Last line: `report_test: N passed, F failed`."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

BOOT = """Mounting root from ufs:md0
start_init: trying /sbin/init
"""
TRANSCRIPT = """vmtest: vkernel_enable r=0 errno=0
vmtest: vmspace_create id=A type=0 r=0 errno=0
vmtest: vmspace_create id=A type=0 r=-1 errno=17
vmtest: vmspace_ctl id=A cmd=RUN r=0 errno=0 trapno=12 err=4
vmtest: vmspace_destroy id=A r=0 errno=0
vmtest: done: 2 scenarios, 5 calls, 0 failed-expectations
"""
HALT = """vmtest: end
Uptime: 15s

The operating system has halted.
Please press any key to reboot.
"""
BENCH = "vmbench: ctl_run_trap 1000 500\nvmbench: mcontrol_inval 400 500\n"
STRESS = "vmstress: 4 threads x 200 iterations, 0 unexpected results, leak 0\n"
PANIC = """vmtest: vmspace_create id=A type=0 r=0 errno=0


Fatal trap 12: page fault while in kernel mode
fault virtual address	= 0x0
Stopped at      pmap_release+0x229:     cmpq    %r12,(%rax)
db> trace
pmap_release() at pmap_release+0x229 0xffffffff8040463e
vmspace_rel() at vmspace_rel+0x26 0xffffffff803802e1
sys_vmspace_destroy() at sys_vmspace_destroy+0xb0 0xffffffff80395be0
syscall2() at syscall2+0x26e 0xffffffff803db4c0
db> show registers
rax 0
db> """
HALTED = {"status": "halted", "elapsed": 30.0}


def run(name, text, status=None):
    return report.Run(name, text, HALTED if status is None else status)


def good(bench=BENCH, extra=""):
    return {
        "stock-smp1": run("stock-smp1", BOOT + TRANSCRIPT + bench + extra + HALT),
        "port-smp1": run("port-smp1", BOOT + TRANSCRIPT + bench + extra + HALT),
        "stock-smp4": run("stock-smp4", BOOT + TRANSCRIPT + STRESS + HALT),
        "port-smp4": run("port-smp4", BOOT + TRANSCRIPT + STRESS + HALT),
        "model-smp1": run("model-smp1", BOOT + PANIC, {"status": "ddb", "elapsed": 20}),
    }


class Report(unittest.TestCase):
    def test_identical_runs_pass(self):
        r = report.summarize(good())
        self.assertEqual(r["D"], 0)
        self.assertFalse(report.failed(r))
        self.assertEqual(report.last_line(r),
                         "qemu-test: 2 scenarios, 5 calls, 0 differences; panics: stock 0, port 0; "
                         "smp: 4 threads x 200 iterations, ok")

    def test_changed_line_is_one_difference(self):
        runs = good()
        runs["port-smp1"] = run("port-smp1", BOOT + TRANSCRIPT.replace("errno=17", "errno=22") + BENCH + HALT)
        r = report.summarize(runs)
        self.assertEqual(r["D"], 1)
        self.assertTrue(report.failed(r))
        self.assertIn("1 differences", report.last_line(r))
        smp, n, text, _k, _kt = r["diffs"][0]
        self.assertEqual((smp, n), (1, 1))
        self.assertIn("-vmtest: vmspace_create id=A type=0 r=-1 errno=17", text)
        self.assertIn("+vmtest: vmspace_create id=A type=0 r=-1 errno=22", text)

    def test_missing_and_extra_lines_count(self):
        runs = good()
        lines = TRANSCRIPT.splitlines(True)
        runs["port-smp4"] = run("port-smp4", BOOT + "".join(lines[:2] + lines[3:]) + "vmtest: extra\n"
                                + STRESS + HALT)
        r = report.summarize(runs)
        self.assertEqual(r["D"], 2)
        self.assertTrue(report.failed(r))

    def test_order_matters(self):
        runs = good()
        lines = TRANSCRIPT.splitlines(True)
        runs["port-smp1"] = run("port-smp1", BOOT + "".join([lines[1], lines[0]] + lines[2:]) + HALT)
        self.assertGreater(report.summarize(runs)["D"], 0)

    def test_kernel_lines_compared(self):
        runs = good()
        runs["port-smp1"] = run("port-smp1", BOOT + TRANSCRIPT + "Warning, pid 3 killed with active VC!\n" + HALT)
        r = report.summarize(runs)
        self.assertEqual(r["D"], 1)
        self.assertIn("0x stock, 1x port: Warning, pid 3 killed with active VC!", r["diffs"][0][4])
        same = good(extra="Warning, pid 3 killed with active VC!\n")
        self.assertEqual(report.summarize(same)["D"], 0)

    def test_kernel_lines_of_the_stress_part_are_not_compared(self):
        runs = good()
        runs["port-smp4"] = run("port-smp4", BOOT + TRANSCRIPT + "vmstress: start: 4 threads\n"
                                + "Warning, pid 9 killed with active VC!\n" + STRESS + HALT)
        self.assertEqual(report.summarize(runs)["D"], 0)

    def test_panic_in_port_is_counted_with_trace(self):
        runs = good()
        runs["port-smp4"] = run("port-smp4", BOOT + PANIC, {"status": "ddb", "elapsed": 9})
        r = report.summarize(runs)
        self.assertEqual(len(r["failures"]["port"]), 1)
        name, f = r["failures"]["port"][0]
        self.assertEqual(name, "port-smp4")
        self.assertTrue(f["what"].startswith("fault: Fatal trap 12"))
        self.assertEqual(f["stopped"], "pmap_release+0x229")
        self.assertEqual(runs["port-smp4"].trace_functions(),
                         ["pmap_release", "vmspace_rel", "sys_vmspace_destroy", "syscall2"])
        self.assertFalse(r["smp_ok"])
        self.assertIn("panics: stock 0, port 1", report.last_line(r))
        self.assertTrue(report.failed(r))

    def test_kkassert_and_timeout_and_no_end(self):
        k = run("x", BOOT + 'panic: assertion "ve->refs > 0" failed in vkernel_lwp_exit at x.rs:1\ndb> ')
        self.assertTrue(k.failure["what"].startswith("KKASSERT"))
        t = run("x", BOOT + TRANSCRIPT, {"status": "timeout", "elapsed": 900})
        self.assertEqual(t.failure["what"], "time-out after 900 s")
        h = run("x", BOOT + TRANSCRIPT + "The operating system has halted.\n")
        self.assertIn("vmtest: end", h.failure["what"])
        self.assertIsNone(run("x", BOOT + TRANSCRIPT + HALT).failure)

    def test_stress_failure(self):
        runs = good()
        runs["stock-smp4"] = run("stock-smp4", BOOT + TRANSCRIPT
                                 + STRESS.replace("0 unexpected", "2 unexpected") + HALT)
        r = report.summarize(runs)
        self.assertFalse(r["smp_ok"])
        self.assertTrue(report.last_line(r).endswith("smp: 4 threads x 200 iterations, FAILED"))
        runs = good()
        runs["port-smp4"] = run("port-smp4", BOOT + TRANSCRIPT + STRESS.replace("leak 0", "leak 1") + HALT)
        self.assertFalse(report.summarize(runs)["smp_ok"])
        runs = good()
        runs["port-smp4"] = run("port-smp4", BOOT + TRANSCRIPT + HALT)
        self.assertFalse(report.summarize(runs)["smp_ok"])

    def test_selfcheck_must_see_a_failure(self):
        r = report.summarize(good())
        ok, why = r["selfcheck"]
        self.assertTrue(ok)
        self.assertIn("pmap_release", why)
        self.assertIn("sys_vmspace_destroy", why)
        runs = good()
        runs["model-smp1"] = run("model-smp1", BOOT + TRANSCRIPT + BENCH + HALT)
        r = report.summarize(runs)
        self.assertFalse(r["selfcheck"][0])
        self.assertTrue(report.failed(r))
        self.assertEqual(r["D"], 0)  # the model run is never part of D

    def test_bench_ratios(self):
        runs = good()
        runs["port-smp1"] = run("port-smp1", BOOT + TRANSCRIPT + BENCH.replace("1000 500", "900 500") + HALT)
        r = report.summarize(runs)
        ratios = {name: ratio for name, _s, _p, ratio in r["bench"]}
        self.assertAlmostEqual(ratios["ctl_run_trap"], 0.9)
        self.assertAlmostEqual(ratios["mcontrol_inval"], 1.0)
        self.assertEqual(r["D"], 0)  # bench lines are not transcript lines
        self.assertIsNone(r["shift"])
        icount = dict(HALTED, icount="shift=4,sleep=off")
        runs["stock-smp1"] = run("stock-smp1", BOOT + TRANSCRIPT + BENCH + HALT, icount)
        r = report.summarize(runs)
        self.assertEqual(r["shift"], 4)
        self.assertIn("| ctl_run_trap | 62 | 56 | 0.900 |", report.markdown(r, runs, None))

    def test_failed_expectations_fail(self):
        runs = good()
        for k in ("stock-smp1", "port-smp1"):
            runs[k] = run(k, BOOT + TRANSCRIPT.replace("0 failed-", "1 failed-") + HALT)
        r = report.summarize(runs)
        self.assertEqual(r["D"], 0)
        self.assertTrue(report.failed(r))


# 22b7a3dbf6: `busy` last, after the marker; the stock kernel refuses the
# destroys after the thread left and panics at the process's exit.
MARKER = ("vmtest: known-divergence destroy-ebusy-leak: scenario busy runs last (22b7a3dbf6's "
          "destroy keeps the reference of a refused destroy; the stock kernel panics at the "
          "process's exit)\n")
BUSY_HEAD = """vmtest: scenario busy
vmtest: busy vmspace_destroy(id0) = -1 errno=16(EBUSY)
vmtest: busy   host: release
"""
BUSY_PORT = """vmtest: busy vmspace_destroy(id0) = 0 errno=0
vmtest: busy vmspace_destroy(id0) = -1 errno=2(ENOENT)
vmtest: busy process: exit 0
vmtest: busy vkernel malloc after exit: memuse=0 inuse=0 (start 0/0)
"""
BUSY_STOCK = """vmtest: busy vmspace_destroy(id0) = -1 errno=16(EBUSY)
vmtest: FAIL busy vmspace_destroy(id0): errno=16(EBUSY), expected 0(0)
vmtest: busy vmspace_destroy(id0) = -1 errno=16(EBUSY)
vmtest: FAIL busy vmspace_destroy(id0): errno=16(EBUSY), expected 2(ENOENT)
panic: rb_vmspace_delete: invalid refs 4
Stopped at      Debugger+0x7c:  movb    $0,0xbd2e89(%rip)
db> trace
Debugger() at Debugger+0x7c
panic() at panic+0x236
rb_vmspace_delete() at rb_vmspace_delete+0x44
db> """
DDB = {"status": "ddb", "elapsed": 25}


def leak_runs(port_busy=BUSY_PORT, stock_busy=BUSY_STOCK):
    runs = {}
    for smp, part in ((1, BENCH), (4, STRESS)):
        runs[f"stock-smp{smp}"] = run(f"stock-smp{smp}", BOOT + TRANSCRIPT + part + MARKER + BUSY_HEAD
                                      + stock_busy, DDB)
        runs[f"port-smp{smp}"] = run(f"port-smp{smp}", BOOT + TRANSCRIPT + part + MARKER + BUSY_HEAD
                                     + port_busy + HALT)
    return runs


class KnownDivergence(unittest.TestCase):
    def test_exactly_the_leak_is_classified(self):
        r = report.summarize(leak_runs(), "no self-check at 22b7a3dbf6")
        self.assertEqual(r["D"], 0)
        self.assertEqual(r["failures"]["stock"], [])
        self.assertTrue(r["smp_ok"])
        self.assertFalse(report.failed(r))
        line = report.last_line(r)
        self.assertTrue(line.startswith("qemu-test: 2 scenarios, 5 calls, 0 differences; panics: stock 0, "
                                        "port 0; smp: 4 threads x 200 iterations, ok; known divergence "
                                        "destroy-ebusy-leak (busy, last): -smp 1: stock destroy EBUSY x2 "
                                        "after the thread left, panic \"rb_vmspace_delete: invalid refs 4\""),
                        line)

    def test_other_difference_after_marker_counts(self):
        r = report.summarize(leak_runs(port_busy=BUSY_PORT.replace("errno=2(ENOENT)", "errno=22(EINVAL)")))
        self.assertGreater(r["D"], 0)
        self.assertTrue(report.failed(r))

    def test_other_panic_is_a_panic(self):
        r = report.summarize(leak_runs(stock_busy=BUSY_STOCK.replace(
            "panic: rb_vmspace_delete: invalid refs 4", "panic: vm_fault: fault on nofault entry")))
        self.assertEqual(len(r["failures"]["stock"]), 2)
        self.assertTrue(report.failed(r))

    def test_port_with_the_leak_differs_nowhere_but_fails(self):
        # a port that kept the reference too: no difference, but its own checks fail
        runs = leak_runs(port_busy=BUSY_STOCK.split("panic:")[0] + "vmtest: busy process: exit 0\n")
        r = report.summarize(runs)
        self.assertTrue(report.failed(r))

    def test_marker_in_one_run_only(self):
        runs = leak_runs()
        runs["port-smp1"] = run("port-smp1", BOOT + TRANSCRIPT + BENCH + HALT)
        r = report.summarize(runs)
        self.assertTrue(report.failed(r))

    def test_selfcheck_skipped_is_not_a_failure_nor_caught(self):
        r = report.summarize(leak_runs(), "reason")
        self.assertEqual(r["selfcheck"], (None, "reason"))


if __name__ == "__main__":
    suite = unittest.TestSuite([unittest.defaultTestLoader.loadTestsFromTestCase(c)
                                for c in (Report, KnownDivergence)])
    res = unittest.TextTestRunner(verbosity=1).run(suite)
    bad = len(res.failures) + len(res.errors)
    print(f"report_test: {res.testsRun - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)
