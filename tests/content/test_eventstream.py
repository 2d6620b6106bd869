import pytest

from kb.content import eventstream
from kb.content.eventstream import Event, Parser


def dispatched(body: bytes) -> list[tuple[str, str, str]]:
    return [(e.type, e.data, e.id) for e in eventstream.parse(body) if e.dispatched]


def test_fields_as_the_standard_reads_them() -> None:
    body = (
        b'event: progress\ndata: {"step": 1}\nid: 1\n\n'
        b"data: first line\ndata:second line\ndata\n\n"  # one space dropped; none needed
        b"event: done\ndata: bye\n\n"
    )
    assert dispatched(body) == [
        ("progress", '{"step": 1}', "1"),
        ("message", "first line\nsecond line\n", "1"),  # the id persists, `data` alone adds ""
        ("done", "bye", "1"),
    ]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending_the_standard_allows(newline: bytes) -> None:
    body = newline.join([b"data: a", b"data: b", b"", b"data: c", b"", b""])
    assert [e.data for e in eventstream.parse(body)] == ["a\nb", "c"]


def test_comments_retry_and_blocks_without_data_fire_no_event() -> None:
    events = eventstream.parse(b": keep-alive\n\nretry: 3000\n\nretry: soon\ndata: x\n\n")
    assert [(e.dispatched, e.comments, e.retry) for e in events] == [
        (False, ("keep-alive",), None),
        (False, (), 3000),
        (True, (), None),  # a retry that is not all digits is ignored
    ]
    assert eventstream.document(b": keep-alive\n\n") == {"count": 0, "events": []}


def test_an_id_holding_nul_is_ignored_and_an_empty_one_resets() -> None:
    body = b"id: 7\ndata: a\n\nid: 8\x00\ndata: b\n\nid\ndata: c\n\n"
    assert [e.id for e in eventstream.parse(body)] == ["7", "7", ""]


def test_a_leading_bom_is_dropped_and_bad_utf8_replaced_as_eventsource_does() -> None:
    events = eventstream.parse(b"\xef\xbb\xbfdata: caf\xc3\xa9 \xff\n\n")
    assert events[0].data == "café \ufffd"


def test_the_block_the_stream_stopped_in_is_kept_but_not_an_event() -> None:
    events = eventstream.parse(b"data: whole\n\ndata: half")
    assert [(e.data, e.complete, e.dispatched) for e in events] == [
        ("whole", True, True),
        ("half", False, False),
    ]
    assert eventstream.document(b"data: whole\n\ndata: half")["count"] == 1


def test_each_block_knows_where_it_ended_in_the_body() -> None:
    body = b"data: a\n\ndata: bb\r\n\r\n"
    assert [e.end for e in eventstream.parse(body)] == [9, len(body) - 1]


def test_chunks_cut_anywhere_parse_as_the_whole() -> None:
    body = (
        b"\xef\xbb\xbf: hi\r\n\r\nevent: e\r\ndata: \xc3\xa9t\xc3\xa9\r\nid: 2\r\n\r\n"
        b"data: a\rdata: b\r\rretry: 10\n\ndata: tail"
    )
    whole = eventstream.parse(body)
    for size in range(1, 9):
        parser = Parser()
        pieces: list[Event] = []
        for start in range(0, len(body), size):
            pieces += parser.feed(body[start : start + size])
        last = parser.close()
        assert [*pieces, *([last] if last else [])] == whole, size


def test_the_document_try_blocks_query() -> None:
    body = b'event: progress\ndata: {"percent": 50}\nid: 1\nretry: 100\n\ndata: plain\n\n'
    assert eventstream.document(body) == {
        "count": 2,
        "events": [
            {
                "event": "progress",
                "data": '{"percent": 50}',
                "id": "1",
                "retry": 100,
                "json": {"percent": 50},
            },
            {"event": "message", "data": "plain", "id": "1"},
        ],
    }
