"""Releases and dumps: ``/release/``, ``/release/{version}``, ``/release/latest``,
``/release/{version}/{file}`` and ``/dump.{ttl,nt,jsonld,trig}``.

A release URI dereferences like every other (recipe 3): ``/release/1.0``
answers 303 to ``/release/1.0.html`` (its DCAT page with downloads) or to its
DCAT record in an RDF format. Files of a package above the caller's handling
level are refused (401 without a token, 403 with one that is not enough);
dumps hold what the caller's level may see.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from server import dumps, exports, linkeddata, release
from server.errors import Forbidden, NotAcceptable, NotFound, Unauthorized
from server.formats import negotiate
from server.routers import deps

router = APIRouter()
#: Interface-string keys of each package's heading (see server/ui/*.json).
PACKAGE_TITLES = {
    None: "release_shared",
    "public": "release_public",
    "partner": "release_partner",
    "law-enforcement": "release_law_enforcement",
}


def _view(request: Request, found: release.Release) -> dict[str, Any]:
    level = deps.caller(request).level
    groups = []
    for package, title in PACKAGE_TITLES.items():
        files = [f for f in found.files if f.package == package]
        if package is None:
            files += [
                release.file_info(found.path, name, None, name)
                for name in (release.MANIFEST, release.SUMS)
                if (found.path / name).is_file()
            ]
        if files:
            groups.append(
                {
                    "title": title,
                    "allowed": release.visible_to(package, level),
                    "level": exports.PACKAGES.get(package or "", "tlp-clear"),
                    "files": sorted(files, key=lambda f: f.path),
                }
            )
    return {"release": found, "groups": groups, "level": level}


@router.api_route("/release", methods=["GET", "HEAD"], include_in_schema=False)
async def release_root() -> Response:
    return RedirectResponse("/release/", status_code=308)


@router.api_route("/release/", methods=["GET", "HEAD"], summary="The releases (HTML, or JSON by Accept)")
async def release_list(request: Request) -> Response:
    found = await run_in_threadpool(release.releases, deps.settings(request).dist_path)
    # formats.parse_accept reads application/json as SPARQL results JSON: offer both names.
    json_types = ["application/json", "application/sparql-results+json"]
    media = linkeddata_choice(request.headers.get("accept"), ["text/html", *json_types])
    if media in json_types:
        return JSONResponse(
            [
                {
                    "version": r.version,
                    "issued": r.issued,
                    "previous": r.previous,
                    "href": f"/release/{r.version}",
                }
                for r in found
            ],
            headers={"Vary": "Accept"},
        )
    context = {**deps.page_context(request), "releases": found}
    response: Response = request.app.state.templates.TemplateResponse(
        request, "releases.html", context, headers={"Vary": "Accept, Accept-Language"}
    )
    return response


def linkeddata_choice(accept: str | None, offers: list[str]) -> str:
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise NotAcceptable("none of the requested media types is available here", offers)
    return chosen


@router.api_route(
    "/release/{name}", methods=["GET", "HEAD"], summary="A release: 303 to its page or DCAT record"
)
async def release_resource(request: Request, name: str) -> Response:
    dist = deps.settings(request).dist_path
    stem, ext = linkeddata.split_extension(name)
    query = f"?{request.url.query}" if request.url.query else ""
    if stem == "latest":
        newest = await run_in_threadpool(release.read_release, dist, "latest")
        target = f"/release/{newest.version}" + (f".{ext}" if ext else "")
        return RedirectResponse(target + query, status_code=307, headers={"Cache-Control": "no-cache"})
    try:
        found = await run_in_threadpool(release.read_release, dist, stem)
    except NotFound as exc:
        if ext != "html":
            raise
        template = request.app.state.templates.get_template("not_found.html")
        page = template.render(message=str(exc), **deps.page_context(request))
        return Response(page, status_code=404, media_type="text/html")
    if ext is None:
        chosen = linkeddata.choose_extension(request.headers.get("accept"))
        return RedirectResponse(
            f"/release/{found.version}.{chosen}{query}", status_code=303, headers={"Vary": "Accept"}
        )
    if ext != "html":
        triples = await run_in_threadpool(_catalogue, found)
        body = linkeddata.serialize(triples, ext)
        return Response(body if request.method != "HEAD" else b"", media_type=linkeddata.EXTENSIONS[ext])
    context = {**deps.page_context(request), **_view(request, found)}
    response: Response = request.app.state.templates.TemplateResponse(
        request, "release.html", context, headers={"Vary": "Authorization, Accept-Language"}
    )
    return response


def _catalogue(found: release.Release) -> list[ox.Triple]:
    return [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(found.path / "catalog.ttl"))
    ]


@router.api_route("/release/{version}/{file:path}", methods=["GET", "HEAD"], summary="A file of a release")
async def release_file(request: Request, version: str, file: str) -> Response:
    dist = deps.settings(request).dist_path
    found = await run_in_threadpool(release.read_release, dist, version)
    if version == "latest":
        return RedirectResponse(f"/release/{found.version}/{file}", status_code=307)
    if file in (release.MANIFEST, release.SUMS):
        info = release.file_info(found.path, file, None, file)
    else:
        info = found.file(file)  # only files the manifest lists: no path games
    caller = deps.caller(request)
    if not release.visible_to(info.package, caller.level):
        if caller.role == "anonymous":
            raise Unauthorized(f"{file} is in the {info.package} package; it needs a bearer token")
        raise Forbidden(f"{file} is in the {info.package} package, above your handling level")
    etag = f'"{info.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
    if info.package not in (None, "public"):
        headers["Cache-Control"] = "private, max-age=3600"
    if etag in [m.strip() for m in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    if not (found.path / info.path).is_file():
        raise NotFound(f"release {found.version} has lost its file {file}")
    return FileResponse(found.path / info.path, media_type=info.media_type, headers=headers)


@router.api_route("/dump.{ext}", methods=["GET", "HEAD"], summary="The current state, as your level sees it")
async def dump(request: Request, ext: str) -> Response:
    if ext not in dumps.DUMPS:
        raise NotFound(f"no dump in format {ext!r}; there are {', '.join('/dump.' + e for e in dumps.DUMPS)}")
    caller = deps.caller(request)
    reader = deps.reader(request, caller.level)
    media = linkeddata.EXTENSIONS.get(ext) or "application/trig"
    headers = {
        "Vary": "Authorization",
        "Content-Disposition": f'attachment; filename="drugkp-{caller.level}.{ext}"',
        "Cache-Control": "no-cache" if caller.role == "anonymous" else "private, no-cache",
    }
    if request.method == "HEAD":
        return Response(media_type=media, headers=headers)
    return StreamingResponse(dumps.stream(reader, ext), media_type=media, headers=headers)
