import { describe, expect, test } from "bun:test";
import { fstatSync, mkdtempSync, writeFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { kernelReportsSyncfsErrors, openFilesystem, syncFilesystem, syncfsCoversFiles } from "../../lib/syncfs.ts";

describe("kernelReportsSyncfsErrors", () => {
  test("Linux 5.8 and later only (syncfs said nothing of writeback errors before)", () => {
    expect(kernelReportsSyncfsErrors("5.8.0-1-amd64")).toBe(true);
    expect(kernelReportsSyncfsErrors("6.18.44-fc-v657")).toBe(true);
    expect(kernelReportsSyncfsErrors("10.0.1")).toBe(true);
    expect(kernelReportsSyncfsErrors("5.7.19")).toBe(false);
    expect(kernelReportsSyncfsErrors("4.19.0-21-amd64")).toBe(false);
    expect(kernelReportsSyncfsErrors("")).toBe(false);
  });
});

describe("syncfsCoversFiles", () => {
  test("local filesystems only: ext4, xfs, btrfs, f2fs, tmpfs, overlayfs; never NFS, FUSE, SMB or 9p", () => {
    for (const local of [0xef53, 0x58465342, 0x9123683e, 0xf2f52010, 0x01021994, 0x794c7630]) expect(syncfsCoversFiles(local)).toBe(true);
    // nfs, fuse (sshfs, rclone), cifs, smb2, 9p (WSL2's /mnt/c), ceph, proc
    for (const remote of [0x6969, 0x65735546, 0xff534d42, 0xfe534d42, 0x01021997, 0x00c36400, 0x9fa0]) expect(syncfsCoversFiles(remote)).toBe(false);
  });
});

const linuxWithSyncfs = process.platform === "linux" && kernelReportsSyncfsErrors(release());

describe("syncFilesystem", () => {
  test.if(!linuxWithSyncfs)("not available here: no descriptor, so the fsync pass is used", () => {
    expect(openFilesystem(tmpdir())).toBeUndefined();
  });

  test.if(linuxWithSyncfs)("a directory's filesystem is synced and the descriptor closed", () => {
    const dir = mkdtempSync(join(tmpdir(), "redux-syncfs-"));
    const fd = openFilesystem(dir);
    expect(fd).toBeNumber();
    writeFileSync(join(dir, "a"), "x");
    // `ours` so large that no amount of other programs' data turns it down
    expect(syncFilesystem(fd!, Number.POSITIVE_INFINITY)).toBe(true);
    expect(() => fstatSync(fd!)).toThrow(/EBADF|bad file/i);
  });

  test.if(linuxWithSyncfs)("no descriptor on a filesystem it does not cover (proc here, as NFS or FUSE would be): the fsync pass is used", () => {
    expect(openFilesystem("/proc")).toBeUndefined();
    expect(openFilesystem(tmpdir())).toBeNumber();
  });

  test.if(linuxWithSyncfs)("turned down (false, for the fsync pass) when more than allowed is waiting to be written", () => {
    const fd = openFilesystem(tmpdir())!;
    expect(syncFilesystem(fd, Number.NEGATIVE_INFINITY)).toBe(false);
    expect(() => fstatSync(fd)).toThrow(/EBADF|bad file/i);
  });

  test.if(linuxWithSyncfs)("an error from syncfs is false (the caller falls back to fsyncs), never a throw", () => {
    expect(syncFilesystem(1 << 20, Number.POSITIVE_INFINITY)).toBe(false);
  });
});
