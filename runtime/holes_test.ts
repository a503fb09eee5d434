import assert from "node:assert/strict";
import { dataExtents, dataExtentsOf } from "./holes.ts";
import { libc, openReadOnly } from "./libc.ts";

Deno.test({
  name: "dataExtents finds the data around a hole (SEEK_DATA/SEEK_HOLE through libc)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-holes-test-" });
    try {
      const path = `${dir}/sparse`;
      const file = await Deno.open(path, { write: true, create: true });
      await file.write(new Uint8Array(4096).fill(1));
      await file.seek(8 * 1024 * 1024, Deno.SeekMode.Start);
      await file.write(new Uint8Array(4096).fill(2));
      file.close();
      const size = (await Deno.stat(path)).size;
      const x = dataExtents(path, size);
      assert.ok(x, "extents are found with the FFI permission");
      assert.equal(x.starts[0], 0);
      assert.equal(x.ends[x.ends.length - 1], size);
      // A file system that keeps holes reports two extents; one without reports the whole file.
      assert.ok(x.starts.length === 2 || (x.starts.length === 1 && x.ends[0] === size));
      if (x.starts.length === 2) {
        assert.ok(x.ends[0]! >= 4096 && x.ends[0]! <= 1024 * 1024);
        assert.ok(x.starts[1]! <= 8 * 1024 * 1024);
      }
      assert.equal(dataExtents(`${dir}/missing`, 1), undefined);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "dataExtents: FIEMAP and SEEK_DATA/SEEK_HOLE give the same extents (many holes, odd tail)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-holes-test-" });
    try {
      const path = `${dir}/sparse`;
      const file = await Deno.open(path, { write: true, create: true });
      // 600 pages: runs of data and holes of varied lengths (more extents than one FIEMAP batch
      // would hold if it were small), then a partial last page.
      let page = 0;
      let k = 7;
      while (page < 600) {
        k = (k * 1103515245 + 12345) % 2147483648;
        const run = 1 + (k % 5);
        if ((k >> 8) % 3 !== 0) {
          await file.seek(page * 4096, Deno.SeekMode.Start);
          await file.write(new Uint8Array(run * 4096).fill(page % 251 + 1));
        }
        page += run;
      }
      await file.seek(600 * 4096, Deno.SeekMode.Start);
      await file.write(new Uint8Array(100).fill(9));
      file.close();
      const size = (await Deno.stat(path)).size;
      const byFiemap = dataExtents(path, size, "fiemap");
      const bySeek = dataExtents(path, size, "seek");
      assert.ok(byFiemap && bySeek);
      assert.deepEqual(byFiemap, bySeek);
      // ext4, XFS, btrfs keep the holes (many extents); a file system without holes reports one.
      assert.ok(byFiemap.starts.length > 20 || byFiemap.starts.length === 1);
      assert.equal(byFiemap.ends[byFiemap.ends.length - 1], size);
      // A range's extents (a window of pages, found by the thread that hashes it) are the whole
      // file's clipped to the range, wherever it starts and ends: inside an extent, inside a
      // hole, on or off a page boundary.
      const c = libc()!;
      const fd = openReadOnly(c, path);
      const clip = (from: number, to: number) => {
        const keep = [...byFiemap.starts.keys()].filter((i) =>
          byFiemap.starts[i]! < to && byFiemap.ends[i]! > from
        );
        return {
          starts: Float64Array.from(keep, (i) => Math.max(from, byFiemap.starts[i]!)),
          ends: Float64Array.from(keep, (i) => Math.min(to, byFiemap.ends[i]!)),
        };
      };
      try {
        const borders = [0, 4096, 5000, 40960, 123 * 4096 + 7, 300 * 4096, size - 1, size];
        for (const method of ["fiemap", "seek"] as const) {
          for (const from of borders) {
            for (const to of borders.filter((b) => b > from)) {
              assert.deepEqual(
                dataExtentsOf(c, fd, size, method, [from, to]),
                clip(from, to),
                `${method} [${from}, ${to})`,
              );
            }
          }
        }
      } finally {
        c.close(fd);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
