"""What people look at: the workspace as a Backstage catalog, and one self-contained HTML report.

* :mod:`.inventory` reads the workspace once (spaces, units, services, bindings);
* :mod:`.backstage` turns it into Backstage entities (pure) and :mod:`.export` writes them;
* :mod:`.costs` is the workspace-wide cost (every unit rendered offline through the process pool);
* :mod:`.report` gathers fleet, map, spaces, rollouts, DORA and cost into one HTML file.
"""
