/**
 * The one error body every route answers with. `message` is what the SDK shows (`"<status> <message>"`);
 * `error` is the status text; `code` is stable for programs; `errors` lists offending fields.
 */
export interface ErrorBody {
  status: number;
  error: string;
  code: string;
  message: string;
  request_id: string;
  errors?: FieldError[];
  retryable?: boolean;
}

export interface FieldError {
  field: string;
  message: string;
}
