"""IAM documents and ARNs of the platform: pure functions, tested on their own, one module per concern.

- :mod:`.documents`: statements, documents, ``arn``, and :data:`STAR_RESOURCE_ACTIONS`;
- :mod:`.arns`: the ARN patterns of a space's resources (every grant, boundary and trust uses these);
- :mod:`.trust`: trust policies (AWS services, the team's people, CI pipelines by OIDC);
- :mod:`.actions`: action tables (what a deploy needs per resource type, what a binding grants);
- :mod:`.grants`: the team's and the service roles' identity policies;
- :mod:`.ci_grants`: the CI deploy role's identity policies;
- :mod:`.boundaries`: permission boundaries of the service roles and of the CI deploy role;
- :mod:`.resource_policies`: policies attached to resources (the space's KMS key; TLS-only buckets, queues, topics).

Every document grants named actions on named resources. ``*`` as a resource appears only
for the actions AWS defines without resource-level permissions, listed once in
:data:`STAR_RESOURCE_ACTIONS`, and in KMS key policies, where ``*`` means "this key".
The one document with wildcard actions is the CI deploy role's boundary, which grants nothing
by itself: read-only families only (``SERVICE:Describe*``, ``SERVICE:List*``, ``SERVICE:Get*``,
see :func:`read_only_families`).
"""

from __future__ import annotations

from .actions import *  # noqa: F401,F403
from .arns import *  # noqa: F401,F403
from .boundaries import *  # noqa: F401,F403
from .ci_grants import *  # noqa: F401,F403
from .documents import *  # noqa: F401,F403
from .grants import *  # noqa: F401,F403
from .resource_policies import *  # noqa: F401,F403
from .trust import *  # noqa: F401,F403
