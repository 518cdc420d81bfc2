import { Pipe, type PipeTransform } from '@angular/core';

/** Whether a list holds an item with this id. */
@Pipe({ name: 'hasId' })
export class HasIdPipe implements PipeTransform {
  transform(list: readonly { id: string }[], id: string): boolean {
    return list.some((item) => item.id === id);
  }
}
