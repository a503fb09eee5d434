import assert from "node:assert/strict";
import { parseSmaps } from "../smaps/parse.ts";
import { type ActualLoads, SettingsFit } from "./fit.ts";
import { KERNEL_PROFILES } from "./kernel.ts";
import { isPossible, predict } from "./predict.ts";
import type { Producer } from "./types.ts";
import type { GdbSettings } from "./gdb.ts";

const dir = new URL("../../test/fixtures/smaps/", import.meta.url);
const captures = ["rich.smaps.txt", "cat.smaps.txt", "edge.smaps.txt", "rich.maps.txt"];

/** What a core made under `filter` holds: each mapping's first possible outcome, some dropped. */
function actualUnder(
  text: string,
  producer: Producer,
  filter: number,
  gdb: GdbSettings,
): ActualLoads {
  const { mappings } = parseSmaps(text);
  const r = predict(mappings, filter, { producers: [producer], gdb });
  const emitted = new Uint8Array(mappings.length);
  const filesz = new Float64Array(mappings.length);
  r.mappings.forEach((p, i) => {
    const o = p[producer]!.assumption?.outcomes.at(-1) ?? p[producer]!;
    // Every seventh mapping is given a size no rule allows, so misfits are never all or none.
    emitted[i] = o.emitted ? 1 : 0;
    filesz[i] = i % 7 === 3 ? o.p_filesz + 4096 : o.p_filesz;
  });
  return { emitted, filesz };
}

Deno.test("SettingsFit finds the same misfits as predict + isPossible, for every filter and setting", () => {
  for (const name of captures) {
    const text = Deno.readTextFileSync(new URL(name, dir));
    const { mappings } = parseSmaps(text);
    const fit = new SettingsFit(mappings);
    for (const producer of ["kernel", "gdb"] as const) {
      const actual = actualUnder(text, producer, 0x33, {});
      for (let filter = 0; filter < 0x200; filter += 0x11) {
        for (const profile of KERNEL_PROFILES) {
          for (const gdb of [{}, { useCoredumpFilter: false }, { dumpExcludedMappings: true }]) {
            const r = predict(mappings, filter, {
              producers: [producer],
              gdb,
              kernelProfile: profile,
            });
            const expected = r.mappings.flatMap((p, i) =>
              isPossible(p[producer]!, {
                  emitted: actual.emitted[i] === 1,
                  p_filesz: actual.filesz[i]!,
                })
                ? []
                : [i]
            );
            const got = fit.misfits(producer, actual, filter, gdb, profile);
            assert.deepEqual(
              got,
              expected,
              `${name} ${producer} 0x${filter.toString(16)} ${profile}`,
            );
            assert.deepEqual(
              fit.misfits(producer, actual, filter, gdb, profile, 1),
              expected.slice(0, 1),
            );
          }
        }
      }
    }
  }
});
