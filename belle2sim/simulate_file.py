"""``belle2sim simulate FILE``: detector and trigger on external events, event by event.

Writes a ROOT TTree ``events`` (uproot; ``.root``) or a Parquet file (awkward + pyarrow; ``.parquet``,
one row group per chunk), one entry per event, streamed chunk by chunk: the event
number, every input bit (int8), every output line before (``ftdl_NAME``) and after prescale
(``psnm_NAME``), and the reconstructed objects as jagged branches: tracks (``track_px/py/pz``
GeV, ``track_charge``, ``track_d0_cm``, ``track_z0_cm``, ``track_muon_id``, ``track_electron_id``)
and ECL clusters (``cluster_E_GeV``, ``cluster_theta_rad``, ``cluster_phi_rad``, ``cluster_region``).
Returns the summary: events read, the cut flow of the trigger levels and each line's fraction.
"""

import numpy as np


def _jagged(values, mask, offsets):
    import awkward as ak

    counts = np.add.reduceat(mask.astype(np.int64), offsets[:-1]) if len(offsets) > 1 else np.zeros(0, np.int64)
    return ak.unflatten(np.asarray(values)[mask], counts)


class _RootWriter:
    def __init__(self, path):
        import uproot

        self.file, self.tree = uproot.recreate(path), None

    def write(self, data):
        if self.tree is None:
            self.file["events"] = data
            self.tree = self.file["events"]
        else:
            self.tree.extend(data)

    def close(self):
        self.file.close()


class _ParquetWriter:
    def __init__(self, path):
        self.path, self.writer = path, None

    def write(self, data):
        import awkward as ak
        import pyarrow.parquet as pq

        table = ak.to_arrow_table(ak.zip(data, depth_limit=1), extensionarray=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)

    def close(self):
        if self.writer is not None:
            self.writer.close()


def simulate_file(path, card, menu, output, seed=1, chunk_size=100_000, progress=None, max_events=None,
                  fmt="root"):
    """``fmt``: "root" or "parquet" (the per-event output's format)."""
    from belle2sim.inputs import open_events
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger.bits import INPUT_BITS

    source = open_events(path, card, chunk_size, seed, max_events)
    names = list(menu.lines)
    flow = {"events read": 0, "at least one track": 0, "at least one cluster": 0, "any output line (FTDL)": 0,
            "any line after prescale (PSNM)": 0}
    line_counts = np.zeros(len(names), dtype=np.int64)
    writer = (_ParquetWriter if fmt == "parquet" else _RootWriter)(output)
    try:
        for batch in source:
            chunk = simulate_chunk(batch, card, menu, seed)
            t, d = chunk.tracks, chunk.deposits
            found = t.found & (chunk.charge != 0)
            cluster = d.is_cluster
            data = {"number": batch.number}
            data.update({f"bit_{b}": np.asarray(chunk.bits[b]) for b in INPUT_BITS})
            ftdl = np.column_stack([chunk.ftdl[n] for n in names])
            psnm = np.column_stack([chunk.psnm[n] for n in names])
            data.update({f"ftdl_{n}": ftdl[:, k] for k, n in enumerate(names)})
            data.update({f"psnm_{n}": psnm[:, k] for k, n in enumerate(names)})
            for key, values in (("track_px", t.px), ("track_py", t.py), ("track_pz", t.pz),
                                ("track_charge", chunk.charge), ("track_d0_cm", t.d0_cm), ("track_z0_cm", t.z0_cm),
                                ("track_muon_id", t.muon_id), ("track_electron_id", t.electron_id)):
                data[key] = _jagged(values, found, batch.offsets)
            for key, values in (("cluster_E_GeV", d.energy_GeV), ("cluster_theta_rad", d.theta_rad),
                                ("cluster_phi_rad", d.phi_rad), ("cluster_region", d.region)):
                data[key] = _jagged(values, cluster, batch.offsets)
            writer.write(data)
            n_tracks = np.add.reduceat(found.astype(int), batch.offsets[:-1])
            n_clusters = np.add.reduceat(cluster.astype(int), batch.offsets[:-1])
            flow["events read"] += len(batch)
            flow["at least one track"] += int(np.count_nonzero(n_tracks))
            flow["at least one cluster"] += int(np.count_nonzero(n_clusters))
            flow["any output line (FTDL)"] += int(np.count_nonzero(ftdl.any(axis=1)))
            flow["any line after prescale (PSNM)"] += int(np.count_nonzero(psnm.any(axis=1)))
            line_counts += psnm.sum(axis=0)
            if progress:
                progress(len(batch))
    finally:
        writer.close()
    n = max(flow["events read"], 1)
    return {"input": source.info.to_dict(), "cut_flow": flow,
            "lines_after_prescale": {name: int(c) / n for name, c in zip(names, line_counts) if c}}
