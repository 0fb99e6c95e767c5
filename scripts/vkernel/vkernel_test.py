#!/usr/bin/env python3
"""Unit test of make vkernel-test's parsers (make vkernel-ci): the run-list
parser (cases.py) and the console parser and comparison (report.py)."""
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


cases = load("cases")
report = load("report")

RUNLIST = """# Testcase  type  Options  Command line arguments
sample/test1/test1\t\t\tuserland\tdefaults\t\targ1 "arg 2" arg3
sample/test1/test1\t\t\tuserland\tmake=gmake
sample/testk1/testk1.ko\t\tkernel\t\tdefaults
sample/testb1/testb1\t\t\tbuildonly\tdefaults
io/sendfd_1/sendfd_1\t\t\tuserland\ttimeout=20
priv/setreuid/setreuid\t\t\tuserland\truntas=x,runas=nobody
crypto/aes/aestest    userland    defaults    ecbnk44.txt
"""


class Cases(unittest.TestCase):
    def test_parse(self):
        rows = cases.parse(RUNLIST)
        self.assertEqual(len(rows), 7)
        self.assertEqual(rows[0], ("sample/test1/test1", "userland", {"defaults": ""}, ["arg1", "arg 2", "arg3"]))
        self.assertEqual(rows[5][2]["runas"], "nobody")

    def test_dirs(self):
        self.assertEqual(cases.dirs(cases.parse(RUNLIST)),
                         ["sample/test1", "sample/testb1", "io/sendfd_1", "priv/setreuid", "crypto/aes"])

    def test_cases(self):
        built = {"sample/test1/test1", "io/sendfd_1/sendfd_1", "priv/setreuid/setreuid", "sample/testb1/testb1"}
        lines = cases.cases(cases.parse(RUNLIST), "/tc", built)
        self.assertEqual([line.split("\t") for line in lines], [
            ["sample/test1/test1 arg1 arg 2 arg3", "120", "root", "/tc/sample/test1", "/tc/sample/test1/test1",
             "arg1", "arg 2", "arg3"],
            ["sample/test1/test1", "120", "root", "/tc/sample/test1", "/tc/sample/test1/test1"],
            ["io/sendfd_1/sendfd_1", "20", "root", "/tc/io/sendfd_1", "/tc/io/sendfd_1/sendfd_1"],
            ["priv/setreuid/setreuid", "120", "nobody", "/tc/priv/setreuid", "/tc/priv/setreuid/setreuid"],
        ])  # aestest not built: left out; buildonly and kernel: not run

    def test_duplicate_names(self):
        rows = cases.parse("a/b/c userland defaults\na/b/c userland nobuild\n")
        names = [line.split("\t")[0] for line in cases.cases(rows, "", {"a/b/c"})]
        self.assertEqual(names, ["a/b/c", "a/b/c #2"])

    def test_override(self):
        rows = cases.override(cases.parse(RUNLIST), cases.parse("io/sendfd_1/sendfd_1 userland timeout=40 x\n"))
        self.assertEqual(rows[4], ("io/sendfd_1/sendfd_1", "userland", {"timeout": "40"}, ["x"]))
        self.assertEqual(rows[0], cases.parse(RUNLIST)[0])
        self.assertRaises(ValueError, cases.override, rows, cases.parse("no/such/case userland defaults\n"))

    def test_bad_lines(self):
        self.assertRaises(ValueError, cases.parse, "a/b/c userland\n")
        self.assertRaises(ValueError, cases.parse, "a/b/c strange defaults\n")


def console(results, counts="create=3 destroy=3 ctl=1000 mmap=3 munmap=0 mcontrol=7 pread=0 pwrite=0 total=1016",
            extra_before="", extra_after="", exit_status=0, done=True):
    out = ["Copyright (c) 2003-2016 The DragonFly Project.", "vkrun: /sbin/init of the vkernel, pid 1"]
    out += extra_before.splitlines()
    for name, res in results.items():
        out += [f"vkrun: {name}: 0.5s", f"vkrun: {name} -> {res}"]
    if done:
        out.append(f"vkrun: done: {len(results)} cases, 0 pass, 3s")
    out += extra_after.splitlines()
    if exit_status is not None:
        out.append(f"vkhost: vkernel exited: status {exit_status} (exit 0)")
    if counts is not None:
        out.append(f"vkhost: vmspace calls: {counts}")
    out += ["vkhost: halting", "The operating system has halted.", "Please press any key to reboot."]
    return report.parse_console("\n".join(out))


class Report(unittest.TestCase):
    names = ["a", "b x", "c"]

    def test_parse(self):
        p = console({"a": "PASS", "b x": "FAIL"})
        self.assertEqual(p["results"], {"a": "PASS", "b x": "FAIL"})
        self.assertEqual(p["counts"]["ctl"], 1000)
        self.assertEqual(p["exit"], 0)
        self.assertTrue(p["done"])
        self.assertEqual(p["panics"], [])

    def test_same(self):
        r = {"a": "PASS", "b x": "FAIL", "c": "TIMEOUT"}
        runs = {"stock-smp1": console(r), "port-smp1": console(r)}
        md, last, ok, problems = report.report(self.names, runs)
        self.assertTrue(ok, problems)
        self.assertEqual(last, "vkernel-test: 3 cases, 1 pass on stock, 1 pass on port, 0 differ; vmspace calls: 1016 "
                         "(create 3/destroy 3/ctl 1000/mmap 3/munmap 0/mcontrol 7/pread 0/pwrite 0); "
                         "panics: stock 0, port 0")
        self.assertIn("- b x (smp1): FAIL on both", md)

    def test_difference_and_missing(self):
        runs = {"stock-smp1": console({"a": "PASS", "b x": "PASS", "c": "PASS"}),
                "port-smp1": console({"a": "PASS", "b x": "FAIL"})}
        md, last, ok, _ = report.report(self.names, runs)
        self.assertFalse(ok)
        self.assertIn("3 pass on stock, 1 pass on port, 2 differ", last)
        self.assertIn("- c (smp1): stock PASS, port MISSING", md)

    def test_panics(self):
        # the vkernel's panic: its exit follows; the host's: nothing follows
        vk = console({"a": "PASS"}, extra_after="panic: vm_fault: fault on nofault entry\ndb> trace",
                     exit_status=9)
        host = console({"a": "PASS"}, counts=None, exit_status=None, done=False,
                       extra_after="Fatal trap 12: page fault while in kernel mode\npanic: from debugger")
        self.assertEqual([w for w, _ in vk["panics"]], ["vkernel"])
        self.assertEqual([w for w, _ in host["panics"]], ["host", "host"])
        md, last, ok, problems = report.report(["a"], {"stock-smp1": vk, "port-smp1": host})
        self.assertFalse(ok)
        self.assertTrue(last.endswith("panics: stock 1, port 2"), last)
        self.assertIn("port-smp1: no vmspace count (the run did not finish)", problems)

    def test_new_warning(self):
        runs = {"stock-smp1": console({"a": "PASS"}, extra_before="WARNING: KERNBASE being used"),
                "port-smp1": console({"a": "PASS"}, extra_before="WARNING: KERNBASE being used\n"
                                     "warning: lock 0xffff1234 held 3 times")}
        _, _, ok, problems = report.report(["a"], runs)
        self.assertFalse(ok)
        self.assertEqual(problems, ["port-smp1: a warning the stock run does not print: warning: lock # held # times"])

    def test_attempts(self):
        # a case that passed on its second attempt on one kernel: the same
        # result, no difference, but shown and listed
        retried = console({"a": "PASS"}, extra_before="vkrun: a: attempt 1: FAIL, again\nvkrun: a: attempts 2")
        self.assertEqual(retried["attempts"], {"a": 2})
        md, last, ok, problems = report.report(["a"], {"stock-smp1": console({"a": "PASS"}), "port-smp1": retried})
        self.assertTrue(ok, problems)
        self.assertIn("0 differ", last)
        self.assertIn("| a | PASS | PASS (2) |", md)
        self.assertIn("- a (port-smp1): passed on attempt 2", md)
        # failing all three attempts is a FAIL, and differs from a pass
        failed = console({"a": "FAIL"}, extra_before="vkrun: a: attempts 3")
        md, last, ok, _ = report.report(["a"], {"stock-smp1": console({"a": "PASS"}), "port-smp1": failed})
        self.assertFalse(ok)
        self.assertIn("| a | PASS | FAIL (3) **≠** |", md)

    def test_trace_failed(self):
        r = {"a": "PASS"}
        short = console(r, extra_after="ktrace write failed, errno 28, tracing stopped")
        self.assertTrue(short["trace_failed"])
        _, _, ok, problems = report.report(["a"], {"stock-smp1": console(r), "port-smp1": short})
        self.assertFalse(ok)
        self.assertEqual(problems, ["port-smp1: the host stopped tracing the vkernel (ktrace write failed): "
                                    "its count is short"])

    def test_no_calls(self):
        r = {"a": "PASS"}
        z = "create=0 destroy=0 ctl=0 mmap=0 munmap=0 mcontrol=0 pread=0 pwrite=0 total=0"
        _, _, ok, problems = report.report(["a"], {"stock-smp1": console(r, counts=z), "port-smp1": console(r, counts=z)})
        self.assertFalse(ok)
        self.assertIn("no vmspace call counted on the port's runs", problems)


if __name__ == "__main__":
    unittest.main(verbosity=1)
