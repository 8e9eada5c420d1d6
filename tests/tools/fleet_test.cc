// Sweeps over a fleet (tools/fleet/): shards merge into exactly the results of one unsharded
// sweep whatever the split, a merge names shards that are missing, repeated or cut short, and
// the three recipes run for real on loopback: the Slurm job array on a one-node cluster (munged,
// slurmctld and slurmd started here), GNU parallel over ssh to two aliases of this machine (an
// sshd on a high port with keys made here), and the Kubernetes Indexed Job validated offline
// against the batch/v1 schema, its command the README's.
//
// The Slurm and ssh tests need root (slurmd and sshd run as root) and Debian's slurm-wlm,
// munge, openssh-server and rsync (tools/test installs them); the Kubernetes test needs node
// and the npm packages tools/test installs under build/npm. Without them they skip, and fail
// instead when DSIM_REQUIRE_FLEET=1 (CI sets it). Those three run in the Release pass only.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/daemon.h"
#include "tests/support/pingmesh_hunt.h"
#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;
namespace fs = std::filesystem;

const std::string kSource = DSIM_SOURCE_DIR;

std::string table_of(const std::string& out) { return out.substr(out.find(" seeds, ")); }

// A fresh directory for this test.
std::string fresh_dir(const std::string& name) {
  const std::string dir = tmp(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A TCP port nobody listens on now (the kernel's pick).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  return ntohs(a.sin_port);
}

bool fleet_required() {
  const char* v = std::getenv("DSIM_REQUIRE_FLEET");
  return v != nullptr && std::string(v) == "1";
}

// Skips the test when something it needs is missing, fails when DSIM_REQUIRE_FLEET=1.
#define FLEET_NEEDS(condition, what)                                                         \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      if (fleet_required()) FAIL() << what << "; DSIM_REQUIRE_FLEET=1 makes this a failure"; \
      GTEST_SKIP() << what;                                                                  \
    }                                                                                        \
  } while (0)

bool executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// The recipes' tests check scripts and engines, not dsim's memory: they run in the Release pass
// only (like the browser tests), the merge tests above them in both.
#define SKIP_UNDER_SANITIZERS()                                                                        \
  do {                                                                                                 \
    if (std::getenv("DSIM_SANITIZED") != nullptr) GTEST_SKIP() << "fleet recipes do not run under the sanitizers"; \
  } while (0)

TEST(Fleet, MergedShardsAreByteForByteTheUnshardedResultsWhateverTheSplit) {
  const auto f = write("hunt.json", kPingmeshHunt);
  const std::string whole_path = tmp("whole.jsonl");
  Result whole = run_dsim("sweep " + f + " --seeds 1:30 --out " + whole_path);
  ASSERT_EQ(whole.code, 1) << whole.out << whole.err;  // some seeds fail: the tables have rows to agree on
  const std::string expected = slurp(whole_path);
  for (const int n : {2, 3, 7}) {
    // 1-based --shard for one split, 0-based --shard-index for the other: the same slices.
    for (const bool zero_based : {false, true}) {
      std::string files;
      for (int k = 1; k <= n; ++k) {
        const std::string out = tmp("s" + std::to_string(n) + "_" + std::to_string(k) + ".jsonl");
        const std::string shard = zero_based ? "--shard-index " + std::to_string(k - 1) + "/" + std::to_string(n)
                                             : "--shard " + std::to_string(k) + "/" + std::to_string(n);
        Result r = run_dsim("sweep " + f + " --seeds 1:30 " + shard + " -j 1 --out " + out);
        ASSERT_LE(r.code, 1) << r.err;
        files += " " + out;
      }
      const std::string merged_path = tmp("merged.jsonl");
      Result merged = run_dsim("sweep --merge" + files + " --out " + merged_path);
      EXPECT_EQ(merged.code, whole.code) << merged.out << merged.err;
      EXPECT_EQ(table_of(merged.out), table_of(whole.out)) << n << " shards";
      EXPECT_EQ(slurp(merged_path), expected) << n << " shards, " << (zero_based ? "--shard-index" : "--shard");
      EXPECT_EQ(merged.out.find("incomplete"), std::string::npos) << merged.out;
    }
  }
}

TEST(Fleet, ShardIndexIsZeroBasedAndItsBadValuesAreOneLineErrors) {
  const auto f = write("hunt.json", kPingmeshHunt);
  ASSERT_LE(run_dsim("sweep " + f + " --seeds 1:9 --shard 1/3 --out " + tmp("a.jsonl")).code, 1);
  ASSERT_LE(run_dsim("sweep " + f + " --seeds 1:9 --shard-index 0/3 --out " + tmp("b.jsonl")).code, 1);
  EXPECT_EQ(slurp(tmp("a.jsonl")), slurp(tmp("b.jsonl")));
  EXPECT_NE(slurp(tmp("b.jsonl")).find("\"shard\":[1,3]"), std::string::npos) << slurp(tmp("b.jsonl"));
  for (const std::string args : {"--shard-index 3/3", "--shard-index -1/3", "--shard-index 0/0", "--shard-index 2",
                                 "--shard 1/3 --shard-index 0/3"}) {
    Result r = run_dsim("sweep " + f + " --seeds 1:9 " + args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
}

TEST(Fleet, AMergeNamesMissingRepeatedForeignAndInterruptedShards) {
  const auto f = write("hunt.json", kPingmeshHunt);
  std::vector<std::string> shard;
  for (int k = 1; k <= 3; ++k) {
    shard.push_back(tmp("s" + std::to_string(k) + ".jsonl"));
    ASSERT_LE(run_dsim("sweep " + f + " --seeds 1:12 --shard " + std::to_string(k) + "/3 --out " + shard.back()).code, 1);
  }
  // One missing: the table of what is there, then the gap, exit 1.
  Result missing = run_dsim("sweep --merge " + shard[0] + " " + shard[2]);
  EXPECT_EQ(missing.code, 1) << missing.out << missing.err;
  EXPECT_NE(missing.out.find("incomplete: seeds 1:12 are not all covered:\n  shard 2/3 missing"), std::string::npos)
      << missing.out;
  // Cut short (an interrupted shard wrote only what it ran): named with its counts.
  std::string text = slurp(shard[1]);
  text.erase(text.rfind('\n', text.size() - 2) + 1);
  const std::string cut = write("cut.jsonl", text);
  Result short_one = run_dsim("sweep --merge " + shard[0] + " " + cut + " " + shard[2]);
  EXPECT_EQ(short_one.code, 1);
  EXPECT_NE(short_one.out.find("cut.jsonl has 3 of its 4 seeds (interrupted?)"), std::string::npos) << short_one.out;
  // The same shard twice, and a shard of another split: bad input.
  Result twice = run_dsim("sweep --merge " + shard[0] + " " + shard[0]);
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.err.find("shard 1/3 again"), std::string::npos) << twice.err;
  const std::string other = tmp("other.jsonl");
  ASSERT_LE(run_dsim("sweep " + f + " --seeds 1:12 --shard 2/4 --out " + other).code, 1);
  Result foreign = run_dsim("sweep --merge " + shard[0] + " " + other);
  EXPECT_EQ(foreign.code, 2);
  EXPECT_NE(foreign.err.find("a shard of seeds 1:12 in 4 shards, but"), std::string::npos) << foreign.err;
  for (const Result* r : {&twice, &foreign}) EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  // All three: complete, exit as the seeds say, and --baseline works on a merge too.
  const std::string merged = tmp("merged.jsonl");
  Result all = run_dsim("sweep --merge " + shard[0] + " " + shard[1] + " " + shard[2] + " --out " + merged);
  EXPECT_EQ(all.out.find("incomplete"), std::string::npos) << all.out;
  Result same = run_dsim("sweep --merge " + shard[0] + " " + shard[1] + " " + shard[2] + " --baseline " + merged);
  EXPECT_EQ(same.code, 0) << same.out << same.err;
  // --out may not overwrite a shard being merged.
  Result clobber = run_dsim("sweep --merge " + shard[0] + " " + shard[1] + " --out " + shard[1]);
  EXPECT_EQ(clobber.code, 2) << clobber.out;
}

// A one-node Slurm cluster on this machine, for one test: munged (as the munge user, its socket
// in the test's directory), slurmctld and slurmd in the foreground, all stopped by the Daemons.
TEST(Fleet, TheSlurmJobArrayScriptOnAOneNodeClusterMergesToTheLocalSweep) {
  SKIP_UNDER_SANITIZERS();
  FLEET_NEEDS(executable("/usr/sbin/slurmctld") && executable("/usr/sbin/slurmd") && executable("/usr/sbin/munged") &&
                  executable("/usr/bin/sbatch"),
              "Debian's slurm-wlm and munge are not installed");
  FLEET_NEEDS(geteuid() == 0, "slurmd runs as root; this test is not root");
  const std::string dir = fresh_dir("slurm");
  const std::string munge_dir = dir + "/munge";
  fs::create_directories(munge_dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec | fs::perms::group_read |
                           fs::perms::others_read);
  ASSERT_EQ(sh("chown munge:munge " + munge_dir + " && chmod 711 " + munge_dir).code, 0);
  Daemon munged({"/usr/bin/setpriv", "--reuid", "munge", "--regid", "munge", "--init-groups", "/usr/sbin/munged", "-F",
                 "--socket=" + munge_dir + "/socket", "--pid-file=" + munge_dir + "/pid", "--log-file=" + munge_dir + "/log",
                 "--seed-file=" + munge_dir + "/seed"},
                dir + "/munged.out");
  ASSERT_TRUE(wait_for([&] { return fs::exists(munge_dir + "/socket"); }, std::chrono::seconds(10))) << munged.describe();

  const std::string host = sh("hostname -s").out.substr(0, sh("hostname -s").out.find('\n'));
  const int ctld_port = free_port(), slurmd_port = free_port();
  ASSERT_GT(ctld_port, 0);
  ASSERT_NE(ctld_port, slurmd_port);
  fs::create_directories(dir + "/state");
  fs::create_directories(dir + "/spool");
  const std::string conf = dir + "/slurm.conf";
  std::ofstream(conf) << "ClusterName=dsimfleet\n"
                      << "SlurmctldHost=" << host << "(127.0.0.1)\n"
                      << "SlurmUser=root\n"
                      << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << slurmd_port << "\n"
                      << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << munge_dir << "/socket\n"
                      << "StateSaveLocation=" << dir << "/state\nSlurmdSpoolDir=" << dir << "/spool\n"
                      << "SlurmctldPidFile=" << dir << "/slurmctld.pid\nSlurmdPidFile=" << dir << "/slurmd.pid\n"
                      << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                      << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
                      << "JobCompType=jobcomp/none\nSchedulerType=sched/builtin\n"
                      << "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\nMpiDefault=none\nReturnToService=2\n"
                      << "NodeName=" << host << " NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n"
                      << "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
  const std::vector<std::string> env = {"SLURM_CONF=" + conf};
  Daemon slurmctld({"/usr/sbin/slurmctld", "-D", "-i", "-f", conf}, dir + "/slurmctld.out", env);
  Daemon slurmd({"/usr/sbin/slurmd", "-D", "-f", conf}, dir + "/slurmd.out", env);
  const std::string with_conf = "SLURM_CONF=" + conf + " ";
  ASSERT_TRUE(wait_for([&] { return sh(with_conf + "sinfo -h -o %t").out.find("idle") != std::string::npos; },
                       std::chrono::seconds(20)))
      << slurmctld.describe() << "\n" << slurmd.describe();

  // The repository's script, as the README submits it (DSIM names this build's binary).
  const auto scenario = write("hunt.json", kPingmeshHunt);
  const std::string results = dir + "/results";
  Result job = sh("cd " + dir + " && " + with_conf + "DSIM=" + DSIM_BINARY + " sbatch --wait --array=0-2 " + kSource +
                  "/tools/fleet/sweep.sbatch " + scenario + " 1:30 " + results);
  ASSERT_EQ(job.code, 0) << job.out << job.err << "\n" << slurmctld.describe() << "\n" << slurmd.describe();
  Result merged = run_dsim("sweep --merge " + results + "/shard-0.jsonl " + results + "/shard-1.jsonl " + results +
                           "/shard-2.jsonl --out " + dir + "/all.jsonl");
  Result local = run_dsim("sweep " + scenario + " --seeds 1:30 --out " + dir + "/local.jsonl");
  EXPECT_EQ(merged.code, local.code) << merged.out << merged.err;
  EXPECT_EQ(merged.out.find("incomplete"), std::string::npos) << merged.out;
  EXPECT_EQ(slurp(dir + "/all.jsonl"), slurp(dir + "/local.jsonl"));
  EXPECT_EQ(table_of(merged.out), table_of(local.out));
  // Each array task ran its own slice, by its 0-based index.
  EXPECT_NE(slurp(results + "/shard-0.jsonl").find("\"shard\":[1,3]"), std::string::npos);
  EXPECT_NE(slurp(results + "/shard-2.jsonl").find("\"shard\":[3,3]"), std::string::npos);
}

// GNU parallel over ssh to two names of this machine (127.0.0.1 and 127.0.0.2, both loopback)
// through an sshd of our own; the shards come back with --return and merge there.
TEST(Fleet, GnuParallelOverSshReturnsTheShardsAndMergesToTheLocalSweep) {
  SKIP_UNDER_SANITIZERS();
  FLEET_NEEDS(executable("/usr/sbin/sshd") && executable("/usr/bin/ssh") && executable("/usr/bin/ssh-keygen") &&
                  executable("/usr/bin/rsync") && executable("/usr/bin/parallel"),
              "openssh-server, openssh-client, rsync or parallel is not installed");
  FLEET_NEEDS(geteuid() == 0, "sshd runs as root here; this test is not root");
  const std::string dir = fresh_dir("ssh");
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -f " + dir + "/host_key && ssh-keygen -q -t ed25519 -N '' -f " + dir +
               "/id && cp " + dir + "/id.pub " + dir + "/authorized_keys")
                .code,
            0);
  fs::create_directories("/run/sshd");  // sshd's privilege separation directory (systemd makes it at boot)
  const int port = free_port();
  ASSERT_GT(port, 0);
  std::ofstream(dir + "/sshd_config") << "Port " << port << "\nListenAddress 127.0.0.1\nListenAddress 127.0.0.2\n"
                                      << "HostKey " << dir << "/host_key\nAuthorizedKeysFile " << dir << "/authorized_keys\n"
                                      << "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                      << "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\n"
                                      << "UsePAM no\nPidFile " << dir << "/sshd.pid\nLogLevel VERBOSE\n";
  std::ofstream(dir + "/known_hosts") << "dsim-fleet-test " << slurp(dir + "/host_key.pub");
  std::ofstream(dir + "/ssh_config") << "Host dsim-a\n  HostName 127.0.0.1\nHost dsim-b\n  HostName 127.0.0.2\nHost *\n"
                                     << "  Port " << port << "\n  IdentityFile " << dir << "/id\n  IdentitiesOnly yes\n"
                                     << "  HostKeyAlias dsim-fleet-test\n  UserKnownHostsFile " << dir << "/known_hosts\n"
                                     << "  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n";
  Daemon sshd({"/usr/sbin/sshd", "-D", "-e", "-f", dir + "/sshd_config"}, dir + "/sshd.log");
  const std::string ssh = "ssh -F " + dir + "/ssh_config";
  ASSERT_TRUE(wait_for([&] { return sh(ssh + " dsim-b true").code == 0; }, std::chrono::seconds(10))) << sshd.describe();

  const auto scenario = write("hunt.json", kPingmeshHunt);
  const std::string results = dir + "/results";
  Result fleet = sh("PARALLEL_SSH='" + ssh + "' DSIM=" + DSIM_BINARY + " " + kSource +
                    "/tools/fleet/sweep-over-ssh 1/dsim-a,1/dsim-b 4 " + scenario + " 1:30 " + results);
  Result local = run_dsim("sweep " + scenario + " --seeds 1:30 --out " + dir + "/local.jsonl");
  EXPECT_EQ(fleet.code, local.code) << fleet.out << fleet.err << "\n" << sshd.describe();
  for (int k = 1; k <= 4; ++k) EXPECT_TRUE(fs::exists(results + "/shard-" + std::to_string(k) + ".jsonl")) << k;
  EXPECT_EQ(slurp(results + "/all.jsonl"), slurp(dir + "/local.jsonl")) << fleet.out << fleet.err;
  EXPECT_EQ(table_of(fleet.out), table_of(local.out));
  // Both names were used (sshd logs the address each connection came in on).
  const std::string log = slurp(dir + "/sshd.log");
  EXPECT_NE(log.find(" on 127.0.0.1 port "), std::string::npos);
  EXPECT_NE(log.find(" on 127.0.0.2 port "), std::string::npos);
}

TEST(Fleet, TheKubernetesIndexedJobIsAValidBatchV1JobRunningTheReadmeCommand) {
  SKIP_UNDER_SANITIZERS();
  const std::string modules = std::string(DSIM_BINARY).substr(0, std::string(DSIM_BINARY).rfind('/')) + "/../npm/node_modules";
  FLEET_NEEDS(sh("command -v node").code == 0, "node is not installed");
  FLEET_NEEDS(fs::exists(modules + "/kubernetes-models") && fs::exists(modules + "/js-yaml"),
              "the npm packages of tools/fleet/package.json are not installed in " + modules + " (tools/test installs them)");
  const std::string validate = "DSIM_NODE_MODULES=" + modules + " node " + kSource + "/tools/fleet/validate-job.js ";
  const std::string manifest = kSource + "/tools/fleet/sweep-job.yaml";
  Result ok = sh(validate + manifest);
  ASSERT_EQ(ok.code, 0) << ok.out << ok.err;
  const std::string command = ok.out.substr(0, ok.out.find('\n'));
  EXPECT_NE(command.find("--shard-index \"$JOB_COMPLETION_INDEX/$SHARDS\""), std::string::npos) << command;
  const std::string readme = slurp(kSource + "/README.md");
  EXPECT_NE(readme.find(command), std::string::npos) << "the README does not show the manifest's command: " << command;
  // The validator has teeth: what Kubernetes would refuse, and what the sweep needs.
  const std::string text = slurp(manifest);
  const std::vector<std::pair<std::string, std::string>> breakages = {
      {"completionMode: Indexed", "completionMode: Sometimes"},  // not an allowed value
      {"completions: 8", "completions: \"eight\""},              // must be an integer
      {"completionMode: Indexed", "completionMode: NonIndexed"}, // valid for Kubernetes, no index for the sweep
      {"value: \"8\"", "value: \"7\""},                          // SHARDS no longer the completions
      {"restartPolicy: Never", "restartPolicy: Sometimes"}};
  for (const auto& [from, to] : breakages) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    const std::string broken = write("broken.yaml", text.substr(0, at) + to + text.substr(at + from.size()));
    Result r = sh(validate + broken);
    EXPECT_EQ(r.code, 1) << to << ": " << r.out;
    EXPECT_NE(r.out.find("validate-job: "), std::string::npos) << r.out;
  }
}

}  // namespace
