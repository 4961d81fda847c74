"""Files: file handles, byte storage, multipart uploads, downloads and the file side of entities.

Other areas read and create file handles only through :mod:`.service`, and authorize downloads through
their objects by plugging into :data:`.hooks.ASSOCIATIONS`.
"""

from ...core.area import Area
from ...core.hooks import hook
from ..entities.service import BUNDLE_PARTS, ENTITY_VALIDATORS, FILE_HANDLE
from . import downloads, entity_files, handles, multipart, records, recovery

AREA = Area(
    "files",
    schema=(records.SCHEMA, multipart.SCHEMA),
    routes=(*downloads.routes, *handles.routes, *multipart.routes, *entity_files.routes),
    hooks=(
        hook(FILE_HANDLE, records.entity_file_handle),
        hook(ENTITY_VALIDATORS, entity_files.check_file_handle_owner),
        hook(BUNDLE_PARTS, entity_files.FILE_HANDLES_PART),
    ),
    recover=recovery.recover,
    requires=("entities",),
)
