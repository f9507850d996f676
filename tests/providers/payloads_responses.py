"""Captured exchanges: OpenAI Responses API, embeddings and images, plain and streamed."""

from __future__ import annotations

from tests.providers.sample import SSE, Sample, event

_RESPONSE_HEAD = b'"id":"resp_68a","object":"response","created_at":1764000000,"model":"gpt-4.1-2025-04-14",'

OPENAI_RESPONSES = Sample(
    name="openai-responses",
    path="/v1/responses",
    request=b'{"model":"gpt-4.1","input":"Write a haiku"}',
    parts=(
        b"{" + _RESPONSE_HEAD + b'"status":"completed","error":null,"incomplete_details":null,'
        b'"output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant",'
        b'"content":[{"type":"output_text","text":"Quiet pond...","annotations":[]}]}],'
        b'"usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},'
        b'"output_tokens":87,"output_tokens_details":{"reasoning_tokens":0},'
        b'"total_tokens":123}}',
    ),
)

OPENAI_RESPONSES_INCOMPLETE = Sample(
    name="openai-responses-incomplete",
    path="/v1/responses",
    request=b'{"model":"o3","input":"Prove it","max_output_tokens":64}',
    parts=(
        b'{"id":"resp_2","object":"response","model":"o3-2025-04-16","status":"incomplete",'
        b'"incomplete_details":{"reason":"max_output_tokens"},"error":null,"output":[],'
        b'"usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":1024},'
        b'"output_tokens":64,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":1264}}',
    ),
)


def _response(status: bytes, tail: bytes = b"") -> bytes:
    return b"{" + _RESPONSE_HEAD + b'"status":"' + status + b'","output":[],' + tail + b'"usage":null}'


OPENAI_RESPONSES_STREAM = Sample(
    name="openai-responses-stream",
    path="/v1/responses",
    request=b'{"model":"gpt-4.1","input":"Write a haiku","stream":true}',
    content_type=SSE,
    parts=(
        event(
            b"response.created",
            b'{"type":"response.created","sequence_number":0,"response":' + _response(b"in_progress") + b"}",
        ),
        event(
            b"response.in_progress",
            b'{"type":"response.in_progress","sequence_number":1,"response":'
            + _response(b"in_progress")
            + b"}",
        ),
        event(
            b"response.output_item.added",
            b'{"type":"response.output_item.added","sequence_number":2,"output_index":0,'
            b'"item":{"id":"msg_1","type":"message","status":"in_progress","content":[],'
            b'"role":"assistant"}}',
        ),
        event(
            b"response.content_part.added",
            b'{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_1",'
            b'"output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],'
            b'"text":""}}',
        ),
        event(
            b"response.output_text.delta",
            b'{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1",'
            b'"output_index":0,"content_index":0,"delta":"Quiet","logprobs":[]}',
        ),
        event(
            b"response.output_text.delta",
            b'{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1",'
            b'"output_index":0,"content_index":0,"delta":" pond","logprobs":[]}',
        ),
        event(
            b"response.output_text.done",
            b'{"type":"response.output_text.done","sequence_number":6,"item_id":"msg_1",'
            b'"output_index":0,"content_index":0,"text":"Quiet pond","logprobs":[]}',
        ),
        event(
            b"response.completed",
            b'{"type":"response.completed","sequence_number":7,"response":{'
            + _RESPONSE_HEAD
            + b'"status":"completed","error":null,"incomplete_details":null,"output":[],'
            b'"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},'
            b'"output_tokens":4,"output_tokens_details":{"reasoning_tokens":0},'
            b'"total_tokens":16}}}',
        ),
    ),
    first_content=4,
)

OPENAI_RESPONSES_TOOL_STREAM = Sample(
    name="openai-responses-stream-function-call",
    path="/v1/responses",
    request=b'{"model":"gpt-4.1","input":"Weather?","stream":true,"tools":[]}',
    content_type=SSE,
    parts=(
        event(
            b"response.created",
            b'{"type":"response.created","sequence_number":0,"response":' + _response(b"in_progress") + b"}",
        ),
        event(
            b"response.output_item.added",
            b'{"type":"response.output_item.added","sequence_number":1,"output_index":0,'
            b'"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather",'
            b'"arguments":"","status":"in_progress"}}',
        ),
        event(
            b"response.function_call_arguments.delta",
            b'{"type":"response.function_call_arguments.delta","sequence_number":2,'
            b'"item_id":"fc_1","output_index":0,"delta":"{\\"city\\":\\"Oslo\\"}"}',
        ),
    ),
    first_content=1,
)

OPENAI_RESPONSES_FAILED_STREAM = Sample(
    name="openai-responses-stream-failed",
    path="/v1/responses",
    request=b'{"model":"gpt-4.1","input":"Hi","stream":true}',
    content_type=SSE,
    parts=(
        event(
            b"response.created",
            b'{"type":"response.created","sequence_number":0,"response":' + _response(b"in_progress") + b"}",
        ),
        event(
            b"response.failed",
            b'{"type":"response.failed","sequence_number":1,"response":'
            + _response(
                b"failed",
                b'"error":{"code":"server_error","message":"The model failed to respond."},',
            )
            + b"}",
        ),
    ),
)

OPENAI_RESPONSES_ERROR_EVENT = Sample(
    name="openai-responses-stream-error-event",
    path="/v1/responses",
    request=b'{"model":"gpt-4.1","input":"Hi","stream":true}',
    content_type=SSE,
    parts=(
        event(
            b"error",
            b'{"type":"error","code":"rate_limit_exceeded","message":"Slow down.","param":null,'
            b'"sequence_number":0}',
        ),
    ),
)

OPENAI_RESPONSES_INCOMPLETE_STREAM = Sample(
    name="openai-responses-stream-incomplete",
    path="/v1/responses",
    request=b'{"model":"gpt-4.1","input":"Hi","stream":true,"max_output_tokens":16}',
    content_type=SSE,
    parts=(
        event(
            b"response.output_text.delta",
            b'{"type":"response.output_text.delta","sequence_number":0,"item_id":"msg_1",'
            b'"output_index":0,"content_index":0,"delta":"Once"}',
        ),
        event(
            b"response.incomplete",
            b'{"type":"response.incomplete","sequence_number":1,"response":'
            + _response(b"incomplete", b'"incomplete_details":{"reason":"max_output_tokens"},')
            + b"}",
        ),
    ),
    first_content=0,
)

# --- OpenAI embeddings and images --------------------------------------------------

OPENAI_EMBEDDINGS = Sample(
    name="openai-embeddings",
    path="/v1/embeddings",
    request=b'{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"float"}',
    parts=(
        b'{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023,-0.0093]},'
        b'{"object":"embedding","index":1,"embedding":[0.0011,0.0142]}],'
        b'"model":"text-embedding-3-small","usage":{"prompt_tokens":2,"total_tokens":2}}',
    ),
)

OPENAI_IMAGE = Sample(
    name="openai-image",
    path="/v1/images/generations",
    request=b'{"model":"gpt-image-1","prompt":"A lighthouse","size":"1024x1024"}',
    parts=(
        b'{"created":1764000000,"background":"opaque","data":[{"b64_json":"iVBORw0KGgo="}],'
        b'"output_format":"png","quality":"medium","size":"1024x1024","usage":{'
        b'"input_tokens":50,"input_tokens_details":{"image_tokens":40,"text_tokens":10},'
        b'"output_tokens":1056,"total_tokens":1106}}',
    ),
)

OPENAI_IMAGE_STREAM = Sample(
    name="openai-image-stream",
    path="/v1/images/generations",
    request=b'{"model":"gpt-image-1","prompt":"A lighthouse","stream":true,"partial_images":1}',
    content_type=SSE,
    parts=(
        event(
            b"image_generation.partial_image",
            b'{"type":"image_generation.partial_image","b64_json":"iVBORw0K","created_at":1764000000,'
            b'"size":"1024x1024","quality":"medium","background":"opaque","output_format":"png",'
            b'"partial_image_index":0}',
        ),
        event(
            b"image_generation.completed",
            b'{"type":"image_generation.completed","b64_json":"iVBORw0KGgo=","created_at":1764000001,'
            b'"size":"1024x1024","quality":"medium","background":"opaque","output_format":"png",'
            b'"usage":{"input_tokens":50,"input_tokens_details":{"image_tokens":40,'
            b'"text_tokens":10},"output_tokens":1056,"total_tokens":1106}}',
        ),
    ),
    first_content=0,
)

OPENAI_IMAGE_EDIT = Sample(
    name="openai-image-edit-multipart",
    path="/v1/images/edits",
    request=(
        b"--bnd42\r\n"
        b'Content-Disposition: form-data; name="image"; filename="cat.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
        b"\x89PNG\r\n\x1a\n\x00\x00\r\n"
        b"--bnd42\r\n"
        b'Content-Disposition: form-data; name="model"\r\n\r\n'
        b"gpt-image-1\r\n"
        b"--bnd42\r\n"
        b'Content-Disposition: form-data; name="prompt"\r\n\r\n'
        b"Add a hat\r\n"
        b"--bnd42--\r\n"
    ),
    parts=(
        b'{"created":1764000000,"data":[{"b64_json":"iVBORw0KGgo="}],"usage":{"input_tokens":323,'
        b'"input_tokens_details":{"image_tokens":313,"text_tokens":10},"output_tokens":4160,'
        b'"total_tokens":4483}}',
    ),
)
